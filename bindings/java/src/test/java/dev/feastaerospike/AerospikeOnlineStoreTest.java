// The binding end to end: the real native library against the test server
// (a test double of the Aerospike wire protocol). Each test uses its own
// project, hence its own set.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.Feature;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.SetRef;
import dev.feastaerospike.proto.StoreProto.TeardownRequest;
import dev.feastaerospike.proto.StoreProto.TeardownResponse;
import dev.feastaerospike.proto.StoreProto.UpdateRequest;
import dev.feastaerospike.proto.StoreProto.UpdateResponse;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import dev.feastaerospike.proto.TypesProto.EntityKey;
import dev.feastaerospike.proto.TypesProto.Value;
import dev.feastaerospike.proto.TypesProto.ValueType;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class AerospikeOnlineStoreTest {
    private static TestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /**
     * A project of its own per test method. Its default set "<project>_latest" must fit
     * Aerospike's 63-byte set names (the library refuses longer ones at open), so long
     * method names are cut and told apart by their hash.
     */
    static String project(TestInfo info) {
        String name = info.getTestMethod().orElseThrow().getName().toLowerCase();
        if (name.length() <= 40) {
            return "j_" + name;
        }
        return "j_" + name.substring(0, 40) + "_" + Integer.toHexString(name.hashCode());
    }

    private static AerospikeOnlineStore open(TestInfo info) {
        return server.config(project(info)).open();
    }

    private static WriteBatchRequest batch(FeatureView view, long from, long to) {
        WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
        for (long id = from; id < to; id++) {
            b.addRows(BenchData.row(view, id));
        }
        return b.build();
    }

    private static ReadRequest readRequest(long[] ids, ViewRead... views) {
        ReadRequest.Builder r = ReadRequest.newBuilder();
        for (long id : ids) {
            r.addEntityKeys(BenchData.key(id));
        }
        for (ViewRead v : views) {
            r.addViews(v);
        }
        return r.build();
    }

    private static ViewRead all(FeatureView view) {
        return ViewRead.newBuilder().setFeatureView(view).build();
    }

    private static void assertNarrowRow(long id, EntityRow row) {
        assertTrue(row.getFound(), "entity " + id + " found");
        assertEquals(BenchData.eventTs(id), row.getEventTimestamp());
        assertEquals(10, row.getValuesCount());
        for (int i = 0; i < 10; i++) {
            assertEquals(BenchData.narrowValue(id, i), row.getValues(i), "entity " + id + " feature " + i);
        }
    }

    @Test
    void writesThenReadsEveryNarrowFeatureBack(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            WriteBatchResponse written = store.writeBatch(batch(BenchData.NARROW, 0, 50));
            assertEquals(50, written.getRowsWritten());
            assertEquals(0, written.getFailuresCount());

            long[] ids = {7, 0, 49, 1000, 3};
            ReadResponse response = store.read(readRequest(ids, all(BenchData.NARROW)));
            assertEquals(1, response.getViewsCount());
            ViewResult view = response.getViews(0);
            assertEquals("driver_narrow", view.getFeatureView());
            assertEquals(List.of("i64_0", "i64_1", "i64_2", "f64_0", "f64_1", "f64_2", "str_0", "str_1",
                    "bool_0", "f32_0"), view.getFeatureNamesList());
            assertEquals(ids.length, view.getRowsCount());
            assertNarrowRow(7, view.getRows(0));
            assertNarrowRow(0, view.getRows(1));
            assertNarrowRow(49, view.getRows(2));
            assertFalse(view.getRows(3).getFound(), "id 1000 was never written");
            assertEquals(0, view.getRows(3).getValuesCount());
            assertNarrowRow(3, view.getRows(4));
        }
    }

    @Test
    void projectedReadsFollowTheRequestedOrder(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            store.writeBatch(batch(BenchData.WIDE, 0, 10));
            ViewRead projected = ViewRead.newBuilder().setFeatureView(BenchData.WIDE)
                    .addRequestedFeatures("w091").addRequestedFeatures("w003").addRequestedFeatures("w042").build();
            ViewResult view = store.read(readRequest(new long[] {4}, projected)).getViews(0);
            assertEquals(List.of("w091", "w003", "w042"), view.getFeatureNamesList());
            EntityRow row = view.getRows(0);
            assertEquals(BenchData.wideValue(4, 91), row.getValues(0));
            assertEquals(BenchData.wideValue(4, 3), row.getValues(1));
            assertEquals(BenchData.wideValue(4, 42), row.getValues(2));
        }
    }

    @Test
    void twoViewsShareARecordAndAreReadInOneCall(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            store.writeBatch(batch(BenchData.NARROW, 0, 5));
            store.writeBatch(batch(BenchData.WIDE, 3, 8));
            ReadResponse r = store.read(readRequest(new long[] {1, 4, 6}, all(BenchData.NARROW), all(BenchData.WIDE)));
            ViewResult narrow = r.getViews(0);
            ViewResult wide = r.getViews(1);
            assertNarrowRow(1, narrow.getRows(0));
            assertNarrowRow(4, narrow.getRows(1));
            assertFalse(narrow.getRows(2).getFound());
            assertFalse(wide.getRows(0).getFound());
            assertEquals(BenchData.wideValue(4, 17), wide.getRows(1).getValues(17));
            assertEquals(BenchData.wideValue(6, 99), wide.getRows(2).getValues(99));
        }
    }

    @Test
    void feastTypedWritesAndOnlineReads(TestInfo info) {
        FeatureView view = FeatureView.newBuilder().setName("customer_stats")
                .addFeatures(Feature.newBuilder().setName("age").setValueType(ValueType.Enum.INT32))
                .addFeatures(Feature.newBuilder().setName("name").setValueType(ValueType.Enum.STRING))
                .addFeatures(Feature.newBuilder().setName("scores").setValueType(ValueType.Enum.DOUBLE_LIST))
                .build();
        EntityKeyProto.EntityKey alice = feastKey("alice");
        EntityKeyProto.EntityKey bob = feastKey("bob");
        Instant ts = Instant.parse("2024-05-01T12:00:00Z");
        Map<String, ValueProto.Value> values = Map.of(
                "age", ValueProto.Value.newBuilder().setInt32Val(31).build(),
                "name", ValueProto.Value.newBuilder().setStringVal("Alice").build(),
                "scores", ValueProto.Value.newBuilder()
                        .setDoubleListVal(ValueProto.DoubleList.newBuilder().addVal(0.5).addVal(1.25)).build());
        try (AerospikeOnlineStore store = open(info)) {
            store.writeBatch(view, List.of(new AerospikeOnlineStore.FeastRow(alice, values, ts, null)));

            List<AerospikeOnlineStore.OnlineRow> rows = store.onlineRead(view, List.of(bob, alice), null);
            assertEquals(2, rows.size());
            assertFalse(rows.get(0).found());
            assertNull(rows.get(0).eventTimestamp());
            assertTrue(rows.get(1).found());
            assertEquals(ts, rows.get(1).eventTimestamp());
            assertEquals(List.of("age", "name", "scores"), List.copyOf(rows.get(1).features().keySet()));
            assertEquals(values.get("age"), rows.get(1).features().get("age"));
            assertEquals(values.get("name"), rows.get(1).features().get("name"));
            assertEquals(values.get("scores"), rows.get(1).features().get("scores"));

            List<AerospikeOnlineStore.OnlineRow> projected = store.onlineRead(view, List.of(alice), List.of("name"));
            assertEquals(Map.of("name", values.get("name")), projected.get(0).features());
        }
    }

    @Test
    void multiViewOnlineRead(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            store.writeBatch(batch(BenchData.NARROW, 10, 12));
            store.writeBatch(batch(BenchData.WIDE, 11, 12));
            List<EntityKeyProto.EntityKey> keys = List.of(
                    FeastTypes.toFeast(BenchData.key(10)), FeastTypes.toFeast(BenchData.key(11)));
            List<AerospikeOnlineStore.OnlineReadResult> results = store.onlineRead(keys, List.of(
                    all(BenchData.NARROW),
                    ViewRead.newBuilder().setFeatureView(BenchData.WIDE).addRequestedFeatures("w068").build()));
            assertEquals(2, results.size());
            assertEquals("driver_narrow", results.get(0).featureView());
            assertEquals(BenchData.narrowValue(11, 6).getStringVal(),
                    results.get(0).rows().get(1).features().get("str_0").getStringVal());
            assertFalse(results.get(1).rows().get(0).found());
            assertEquals(BenchData.wideValue(11, 68).getDoubleVal(),
                    results.get(1).rows().get(1).features().get("w068").getDoubleVal(), 0.0);
            assertEquals(Instant.ofEpochSecond(BenchData.EPOCH_2024 + 11), results.get(1).rows().get(1).eventTimestamp());
        }
    }

    @Test
    void prewritingHookTransformsRowsBeforeTheyAreWritten(TestInfo info) {
        AtomicInteger calls = new AtomicInteger();
        PrewritingHook mask = (view, rows) -> {
            calls.incrementAndGet();
            List<WriteRow> out = new ArrayList<>();
            for (WriteRow r : rows) {
                out.add(r.toBuilder().putValues("str_0", Value.newBuilder().setStringVal("***").build()).build());
            }
            return out;
        };
        try (AerospikeOnlineStore store = server.config(project(info)).prewritingHook(mask).open()) {
            store.writeBatch(batch(BenchData.NARROW, 0, 3));
            assertEquals(1, calls.get());
            EntityRow row = store.read(readRequest(new long[] {2}, all(BenchData.NARROW))).getViews(0).getRows(0);
            assertEquals("***", row.getValues(6).getStringVal());
            assertEquals(BenchData.narrowValue(2, 7), row.getValues(7));
        }
    }

    @Test
    void aHookThatDropsEverythingWritesNothingAndAFailingHookFailsTheBatch(TestInfo info) {
        PrewritingHook dropAll = (view, rows) -> List.of();
        try (AerospikeOnlineStore store = AerospikeOnlineStore.open(
                server.config(project(info)).build().toJson(), dropAll)) {
            assertEquals(0, store.writeBatch(batch(BenchData.NARROW, 0, 3)).getRowsWritten());
            assertFalse(store.read(readRequest(new long[] {1}, all(BenchData.NARROW))).getViews(0).getRows(0).getFound());
        }
        PrewritingHook failing = (view, rows) -> {
            throw new IllegalStateException("hook refuses");
        };
        try (AerospikeOnlineStore store = server.config(project(info)).prewritingHook(failing).open()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> store.writeBatch(batch(BenchData.NARROW, 0, 3)));
            assertEquals("hook refuses", e.getMessage());
            assertFalse(store.read(readRequest(new long[] {1}, all(BenchData.NARROW))).getViews(0).getRows(0).getFound());
        }
    }

    @Test
    void updateRemovesDroppedViewsOnly(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            store.writeBatch(batch(BenchData.NARROW, 0, 4));
            store.writeBatch(batch(BenchData.WIDE, 0, 4));
            UpdateResponse update = store.update(UpdateRequest.newBuilder()
                    .addViewsToDelete(BenchData.WIDE).addViewsToKeep(BenchData.NARROW).setWait(true).build());
            assertEquals(1, update.getJobsCount());
            assertEquals(List.of("driver_wide"), update.getJobs(0).getRemovedViewsList());
            assertTrue(update.getJobs(0).getCompleted());
            assertEquals(project(info) + "_latest", update.getJobs(0).getSetName());
            ReadResponse r = store.read(readRequest(new long[] {0, 3}, all(BenchData.NARROW), all(BenchData.WIDE)));
            assertNarrowRow(0, r.getViews(0).getRows(0));
            assertNarrowRow(3, r.getViews(0).getRows(1));
            assertFalse(r.getViews(1).getRows(0).getFound());
            assertFalse(r.getViews(1).getRows(1).getFound());
        }
    }

    @Test
    void teardownDeletesTheProjectsData(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            store.writeBatch(batch(BenchData.NARROW, 0, 4));
            TeardownResponse t = store.teardown(TeardownRequest.newBuilder().addViews(BenchData.NARROW).build());
            assertTrue(t.getTruncatedList().contains(SetRef.newBuilder()
                    .setNamespace("feast").setSetName(project(info) + "_latest").build()), t.toString());
            assertFalse(store.read(readRequest(new long[] {2}, all(BenchData.NARROW))).getViews(0).getRows(0).getFound());
            // teardown is not close: the store still works
            store.writeBatch(batch(BenchData.NARROW, 2, 3));
            assertNarrowRow(2, store.read(readRequest(new long[] {2}, all(BenchData.NARROW))).getViews(0).getRows(0));
        }
    }

    @Test
    void badRequestsGetTypedErrorsAndTheStoreStaysUsable(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            EntityKey doubleKey = EntityKey.newBuilder().addJoinKeys("driver_id")
                    .addEntityValues(Value.newBuilder().setDoubleVal(1.5)).build();
            InvalidArgumentException badKey = assertThrows(InvalidArgumentException.class,
                    () -> store.read(ReadRequest.newBuilder().addEntityKeys(doubleKey).addViews(all(BenchData.NARROW)).build()));
            assertEquals(Status.INVALID_ARGUMENT, badKey.status());
            assertTrue(badKey.getMessage().startsWith("read: "), badKey.getMessage());

            WriteBatchRequest noName = WriteBatchRequest.newBuilder()
                    .setFeatureView(FeatureView.newBuilder().addFeatures(BenchData.NARROW.getFeatures(0)))
                    .addRows(BenchData.row(BenchData.NARROW, 1)).build();
            assertThrows(InvalidArgumentException.class, () -> store.writeBatch(noName));

            DecodeException garbage = assertThrows(DecodeException.class,
                    () -> store.callWithBytes("read", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, ReadResponse.parser()));
            assertEquals(Status.DECODE, garbage.status());
            assertEquals(FeastAerospikeException.NO_RESULT_CODE, garbage.resultCode());

            assertThrows(NullPointerException.class, () -> store.read(null));

            store.writeBatch(batch(BenchData.NARROW, 1, 2));
            assertNarrowRow(1, store.read(readRequest(new long[] {1}, all(BenchData.NARROW))).getViews(0).getRows(0));
        }
    }

    @Test
    void aNamespaceTheServerLacksFailsEveryOperationWithContext(TestInfo info) {
        FeatureView view = FeatureView.newBuilder().setName("elsewhere")
                .addFeatures(Feature.newBuilder().setName("f").setValueType(ValueType.Enum.INT64)).build();
        WriteRow row = WriteRow.newBuilder().setEntityKey(BenchData.key(1)).setEventTimestamp(BenchData.eventTs(1))
                .putValues("f", Value.newBuilder().setInt64Val(3).build()).build();
        try (AerospikeOnlineStore store = server.config(project(info)).namespaceOverride("elsewhere", "nope").open()) {
            WriteBatchException write = assertThrows(WriteBatchException.class, () -> store.writeBatch(
                    WriteBatchRequest.newBuilder().setFeatureView(view).addRows(row).build()));
            assertEquals(1, write.failures().size());
            assertEquals(0, write.rowsWritten());
            assertFalse(write.failures().get(0).getInDoubt());
            assertEquals(Status.INVALID_ARGUMENT, write.status(), "refused before sending");
            assertEquals(Status.INVALID_ARGUMENT.code(), write.failures().get(0).getStatus());
            assertTrue(write.getMessage().contains("nope"), write.getMessage());

            ServerException update = assertThrows(ServerException.class, () -> store.update(
                    UpdateRequest.newBuilder().addViewsToDelete(view).setWait(true).build()));
            assertEquals(20, update.resultCode(), "NAMESPACE_NOT_FOUND: " + update.getMessage());
            assertTrue(update.getMessage().startsWith("update: ") && update.getMessage().contains("nope"),
                    update.getMessage());

            // Views in namespaces that exist are unaffected.
            store.writeBatch(batch(BenchData.NARROW, 1, 2));
            assertNarrowRow(1, store.read(readRequest(new long[] {1}, all(BenchData.NARROW))).getViews(0).getRows(0));
        }
    }

    @Test
    void serverResultCodesReachTheCallerPerRowAndPerCall(TestInfo info) throws Exception {
        // The view lives in namespace "test"; the fault only hits that namespace.
        FeatureView view = BenchData.NARROW.toBuilder().setName("faulty").build();
        try (AerospikeOnlineStore store = server.config(project(info)).namespaceOverride("faulty", "test").open()) {
            WriteBatchRequest rows = WriteBatchRequest.newBuilder().setFeatureView(view)
                    .addRows(BenchData.row(BenchData.NARROW, 1)).addRows(BenchData.row(BenchData.NARROW, 2)).build();
            store.writeBatch(rows);
            server.info("testserver-fail:code=14;namespace=test");
            try {
                WriteBatchException write = assertThrows(WriteBatchException.class, () -> store.writeBatch(rows));
                assertEquals(Status.SERVER, write.status());
                assertEquals(14, write.resultCode(), write.getMessage());
                assertEquals(2, write.failures().size());
                assertEquals(14, write.failures().get(1).getResultCode());
                assertEquals(Status.SERVER.code(), write.failures().get(1).getStatus());
                assertEquals(1, write.failures().get(1).getRowIndex());

                ServerException read = assertThrows(ServerException.class,
                        () -> store.read(readRequest(new long[] {1, 2}, ViewRead.newBuilder().setFeatureView(view).build())));
                assertEquals(14, read.resultCode(), read.getMessage());

                // Other namespaces are unaffected, and nothing is reported as a miss.
                store.writeBatch(batch(BenchData.NARROW, 3, 4));
                assertNarrowRow(3, store.read(readRequest(new long[] {3}, all(BenchData.NARROW))).getViews(0).getRows(0));
            } finally {
                server.info("testserver-clear-faults");
            }
            EntityRow back = store.read(readRequest(new long[] {2}, ViewRead.newBuilder().setFeatureView(view).build()))
                    .getViews(0).getRows(0);
            assertNarrowRow(2, back);
        }
    }

    @Test
    void configErrorsNameTheProblem() {
        ConfigException typo = assertThrows(ConfigException.class, () -> AerospikeOnlineStore.open(
                "{\"hosts\": [[\"127.0.0.1\", " + server.port() + "]], \"namspace\": \"feast\"}"));
        assertTrue(typo.getMessage().contains("namspace"), typo.getMessage());
        assertThrows(ConfigException.class, () -> AerospikeOnlineStore.open("{not json"));
        ConfigException withPassword = assertThrows(ConfigException.class, () -> AerospikeOnlineStore.open(
                "{\"password\": \"hunter2-secret\", \"ttl_seconds\": \"soon\"}"));
        assertFalse(withPassword.getMessage().contains("hunter2-secret"), withPassword.getMessage());
        assertThrows(NullPointerException.class, () -> AerospikeOnlineStore.open((String) null));
    }

    @Test
    void anUnreachableClusterIsAConnectionError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        FeastAerospikeException e = assertThrows(FeastAerospikeException.class, () -> OnlineStoreConfig.builder()
                .project("unreachable").host("127.0.0.1", closedPort).open());
        assertTrue(e instanceof ConnectionException || e instanceof StoreTimeoutException, e.toString());
    }

    @Test
    void aServerThatStopsAnsweringIsATimeoutAndNothingIsReportedWritten(TestInfo info) throws Exception {
        try (StallingProxy proxy = new StallingProxy(server.port());
                AerospikeOnlineStore store = OnlineStoreConfig.builder().project(project(info))
                        .host("127.0.0.1", proxy.port()).writeTimeoutMs(300)
                        .batchTotalTimeoutMs(300).maxRetries(0).open()) {
            store.writeBatch(batch(BenchData.NARROW, 0, 5));
            proxy.stall(true);
            long start = System.nanoTime();
            StoreTimeoutException read = assertThrows(StoreTimeoutException.class,
                    () -> store.read(readRequest(new long[] {1, 2}, all(BenchData.NARROW))));
            assertTrue(read.getMessage().startsWith("read: "), read.getMessage());

            WriteBatchException write = assertThrows(WriteBatchException.class,
                    () -> store.writeBatch(batch(BenchData.NARROW, 5, 10)));
            assertEquals(5, write.failures().size(), write.getMessage());
            assertEquals(0, write.rowsWritten());
            assertEquals(Status.TIMEOUT, write.status());
            for (int i = 0; i < 5; i++) {
                assertEquals(i, write.failures().get(i).getRowIndex());
                assertTrue(write.failures().get(i).getInDoubt(), "a timed-out write may have landed");
            }
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "timeouts are honoured");

            // Once the server answers again, the same store works again.
            proxy.stall(false);
            ViewResult after = null;
            for (int attempt = 0; attempt < 50 && after == null; attempt++) {
                try {
                    after = store.read(readRequest(new long[] {1}, all(BenchData.NARROW))).getViews(0);
                } catch (StoreTimeoutException | ConnectionException e) {
                    Thread.sleep(100);
                }
            }
            assertNotNull(after, "the store recovers after the server answers again");
            assertNarrowRow(1, after.getRows(0));
        }
    }

    @Test
    void useAfterCloseThrowsStoreClosedAndCloseIsIdempotent(TestInfo info) {
        AerospikeOnlineStore store = open(info);
        store.writeBatch(batch(BenchData.NARROW, 0, 1));
        assertFalse(store.isClosed());
        store.close();
        assertTrue(store.isClosed());
        store.close();
        StoreClosedException e = assertThrows(StoreClosedException.class,
                () -> store.read(readRequest(new long[] {0}, all(BenchData.NARROW))));
        assertEquals(Status.CLOSED, e.status());
        assertThrows(StoreClosedException.class, () -> store.writeBatch(batch(BenchData.NARROW, 0, 1)));
        assertThrows(StoreClosedException.class, () -> store.update(UpdateRequest.getDefaultInstance()));
        assertThrows(StoreClosedException.class, () -> store.teardown(TeardownRequest.getDefaultInstance()));
    }

    @Test
    void aStoreNobodyClosedIsReleasedWhenCollected(TestInfo info) throws Exception {
        long before = AerospikeOnlineStore.RELEASED_BY_CLEANER.get();
        openAndForget(info);
        for (int i = 0; i < 100 && AerospikeOnlineStore.RELEASED_BY_CLEANER.get() == before; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(before + 1, AerospikeOnlineStore.RELEASED_BY_CLEANER.get());
        // Closed stores are not released a second time by the Cleaner.
        open(info).close();
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before + 1, AerospikeOnlineStore.RELEASED_BY_CLEANER.get());
    }

    private static void openAndForget(TestInfo info) {
        AerospikeOnlineStore store = open(info);
        store.writeBatch(batch(BenchData.NARROW, 0, 1));
    }

    @Test
    void manyThreadsShareOneStore(TestInfo info) throws Exception {
        int threads = 8;
        int rounds = 40;
        try (AerospikeOnlineStore store = open(info)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long base = t * 1000L;
                    results.add(pool.submit(() -> {
                        int checked = 0;
                        for (int i = 0; i < rounds; i++) {
                            long from = base + i * 5L;
                            store.writeBatch(batch(BenchData.NARROW, from, from + 5));
                            long[] ids = {from, from + 4, from + 2};
                            ViewResult v = store.read(readRequest(ids, all(BenchData.NARROW))).getViews(0);
                            for (int k = 0; k < ids.length; k++) {
                                assertNarrowRow(ids[k], v.getRows(k));
                                checked++;
                            }
                        }
                        return checked;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : results) {
                    total += f.get(120, TimeUnit.SECONDS);
                }
                assertEquals(threads * rounds * 3, total);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeWhileCallsAreInFlightLetsThemFinishOrFailCleanly(TestInfo info) throws Exception {
        AerospikeOnlineStore store = open(info);
        store.writeBatch(batch(BenchData.NARROW, 0, 100));
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch running = new CountDownLatch(threads);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        AtomicLong closed = new AtomicLong();
        List<Future<Throwable>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                long seed = t;
                results.add(pool.submit(() -> {
                    BenchData.Ids ids = new BenchData.Ids(seed);
                    running.countDown();
                    while (!stop.get()) {
                        try {
                            ViewResult v = store.read(readRequest(ids.batch(20, 100, 0), all(BenchData.NARROW))).getViews(0);
                            assertEquals(20, v.getRowsCount());
                            ok.incrementAndGet();
                        } catch (StoreClosedException e) {
                            closed.incrementAndGet();
                            return null;
                        } catch (Throwable e) {
                            return e;
                        }
                    }
                    return null;
                }));
            }
            assertTrue(running.await(30, TimeUnit.SECONDS));
            Thread.sleep(200);
            // Two closers at once: both return, the handle is freed once.
            Thread otherCloser = new Thread(store::close);
            otherCloser.start();
            store.close();
            otherCloser.join(30_000);
            assertFalse(otherCloser.isAlive());
            stop.set(true);
            for (Future<Throwable> f : results) {
                Throwable unexpected = f.get(60, TimeUnit.SECONDS);
                if (unexpected != null) {
                    throw new AssertionError("a call racing close() failed with something other than"
                            + " StoreClosedException", unexpected);
                }
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        assertTrue(ok.get() > 0, "reads ran before close");
        assertTrue(store.isClosed());
        assertThrows(StoreClosedException.class, () -> store.read(readRequest(new long[] {1}, all(BenchData.NARROW))));
    }

    @Test
    void timestampsBeforeAndAfterTheEpochRoundTrip(TestInfo info) {
        try (AerospikeOnlineStore store = open(info)) {
            WriteRow row = BenchData.row(BenchData.NARROW, 1).toBuilder()
                    .setEventTimestamp(Timestamp.newBuilder().setSeconds(1_900_000_000L).setNanos(123_000_000)).build();
            store.writeBatch(WriteBatchRequest.newBuilder().setFeatureView(BenchData.NARROW).addRows(row).build());
            EntityRow read = store.read(readRequest(new long[] {1}, all(BenchData.NARROW))).getViews(0).getRows(0);
            assertEquals(Timestamp.newBuilder().setSeconds(1_900_000_000L).setNanos(123_000_000).build(),
                    read.getEventTimestamp(), "stored as epoch milliseconds");
        }
    }

    private static EntityKeyProto.EntityKey feastKey(String customer) {
        return EntityKeyProto.EntityKey.newBuilder().addJoinKeys("customer_id")
                .addEntityValues(ValueProto.Value.newBuilder().setStringVal(customer)).build();
    }

    /** readValues (direct decoder) gives what read() parsed by protobuf-java gives. */
    @Test
    void readValuesAgreesWithReadOnBothViews() throws Exception {
        try (AerospikeOnlineStore store = server.config("j_read_values").open()) {
            for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
                WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
                for (long id = 0; id < 20; id++) {
                    b.addRows(BenchData.row(view, id));
                }
                store.writeBatch(b.build());
            }
            ViewRead narrow = ViewRead.newBuilder().setFeatureView(BenchData.NARROW).build();
            ViewRead wide = ViewRead.newBuilder().setFeatureView(BenchData.WIDE).build();
            ViewRead projected = ViewRead.newBuilder().setFeatureView(BenchData.WIDE)
                    .addAllRequestedFeatures(List.of("w091", "w003")).build();
            ReadRequest.Builder req = ReadRequest.newBuilder().addViews(narrow).addViews(wide).addViews(projected);
            for (long id : new long[] {3, 999, 0, 19}) { // 999 was never written
                req.addEntityKeys(BenchData.key(id));
            }
            ReadRequest request = req.build();
            ReadResponse parsed = store.read(request);
            List<ViewValues> direct = store.readValues(request);
            assertEquals(ReadResponseReaderTestSupport.render(ReadResponseReaderTestSupport.reference(parsed)),
                    ReadResponseReaderTestSupport.render(direct));
            assertEquals(3, direct.size());
            assertEquals(List.of(false), List.of(direct.get(0).rows().get(1).found()));
            assertEquals(BenchData.EPOCH_2024 + 19, direct.get(1).rows().get(3).eventEpochSecond());
        }
    }
}
