// ReadRequestEncoder: its bytes parse (protobuf-java) into exactly the request the
// message builders make (int64 and string keys, message keys, several views,
// projections, unicode, timeout, reuse after reset); misuse fails at once; and reads
// through it return what readValues(ReadRequest) returns, against the test server (a
// test double of the Aerospike wire protocol), on whichever native path this JVM uses.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.feastaerospike.proto.StoreProto.Feature;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.TypesProto.EntityKey;
import dev.feastaerospike.proto.TypesProto.Value;
import dev.feastaerospike.proto.TypesProto.ValueType;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class ReadRequestEncoderTest {
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

    private static String project(TestInfo info) {
        return "r" + AerospikeOnlineStoreTest.project(info);
    }

    private static ReadRequest parse(ReadRequestEncoder e) throws Exception {
        return ReadRequest.parseFrom(e.toByteArray());
    }

    private static ViewRead viewRead(FeatureView view, List<String> requested) {
        return ViewRead.newBuilder().setFeatureView(view).addAllRequestedFeatures(requested).build();
    }

    private static EntityKey intKey(String name, long v) {
        return EntityKey.newBuilder().addJoinKeys(name).addEntityValues(Value.newBuilder().setInt64Val(v)).build();
    }

    private static EntityKey stringKey(String name, String v) {
        return EntityKey.newBuilder().addJoinKeys(name).addEntityValues(Value.newBuilder().setStringVal(v)).build();
    }

    @Test
    void int64KeysOneWholeViewMatchTheMessage() throws Exception {
        long[] ids = {0, 1, 127, 128, 1L << 35, -1, Long.MIN_VALUE, Long.MAX_VALUE};
        ReadRequestEncoder e = new ReadRequestEncoder().view(BenchData.NARROW);
        ReadRequest.Builder m = ReadRequest.newBuilder().addViews(viewRead(BenchData.NARROW, List.of()));
        for (long id : ids) {
            e.entityKey("driver_id", id);
            m.addEntityKeys(BenchData.key(id));
        }
        assertEquals(m.build(), parse(e));
        assertEquals(1, e.viewCount());
        assertEquals(ids.length, e.entityKeyCount());
        assertEquals(e.size(), e.toByteArray().length);
    }

    @Test
    void stringAndMessageKeysSeveralProjectedViewsUnicodeAndTimeoutMatch() throws Exception {
        FeatureView uni = FeatureView.newBuilder().setName("vü€𝄞")
                .addFeatures(Feature.newBuilder().setName("名前").setValueType(ValueType.Enum.STRING))
                .addFeatures(Feature.newBuilder().setName("x").setValueType(ValueType.Enum.INT64)).build();
        EntityKey compound = EntityKey.newBuilder().addJoinKeys("a").addJoinKeys("b")
                .addEntityValues(Value.newBuilder().setInt64Val(7))
                .addEntityValues(Value.newBuilder().setStringVal("z")).build();
        EntityKeyProto.EntityKey feast = EntityKeyProto.EntityKey.newBuilder().addJoinKeys("driver_id")
                .addEntityValues(ValueProto.Value.newBuilder().setInt64Val(42)).build();
        List<String> wideProjection = List.of(BenchData.WIDE.getFeatures(3).getName(),
                BenchData.WIDE.getFeatures(0).getName());
        ReadRequestEncoder e = new ReadRequestEncoder(0).timeoutMs(300)
                .entityKey("city", "Zürich 🚕")
                .view(uni, List.of("x", "名前"))
                .entityKey("city", "")
                .entityKey(compound)
                .view(BenchData.WIDE, wideProjection)
                .entityKey(feast)
                .view(viewRead(BenchData.NARROW, List.of()));
        ReadRequest expected = ReadRequest.newBuilder().setTimeoutMs(300)
                .addEntityKeys(stringKey("city", "Zürich 🚕")).addEntityKeys(stringKey("city", ""))
                .addEntityKeys(compound).addEntityKeys(FeastTypes.toMirror(feast))
                .addViews(viewRead(uni, List.of("x", "名前")))
                .addViews(viewRead(BenchData.WIDE, wideProjection))
                .addViews(viewRead(BenchData.NARROW, List.of())).build();
        assertEquals(expected, parse(e));
        assertEquals(expected, e.toRequest());

        // Reset keeps the timeout and the cached views; the next request is whole again.
        e.reset().view(BenchData.WIDE, new ArrayList<>(wideProjection)).entityKey("driver_id", 5);
        assertEquals(ReadRequest.newBuilder().setTimeoutMs(300).addEntityKeys(BenchData.key(5))
                .addViews(viewRead(BenchData.WIDE, wideProjection)).build(), parse(e));
        e.timeoutMs(0);
        assertEquals(ReadRequest.newBuilder().addEntityKeys(BenchData.key(5))
                .addViews(viewRead(BenchData.WIDE, wideProjection)).build().toByteArray().length, e.size());
    }

    @Test
    void theBufferGrowsAndTheViewCacheEvicts() throws Exception {
        ReadRequestEncoder e = new ReadRequestEncoder(0);
        ReadRequest.Builder m = ReadRequest.newBuilder();
        for (int i = 0; i < 3 * ReadRequestEncoder.VIEW_CACHE; i++) {
            List<String> p = List.of(BenchData.WIDE.getFeatures(i % BenchData.WIDE.getFeaturesCount()).getName());
            e.view(BenchData.WIDE, p);
            m.addViews(viewRead(BenchData.WIDE, p));
        }
        for (long id = 0; id < 5000; id++) {
            e.entityKey("driver_id", id);
            m.addEntityKeys(BenchData.key(id));
        }
        assertEquals(m.build(), parse(e));
    }

    @Test
    void misuseThrowsAndLeavesTheBufferAsItWas() throws Exception {
        ReadRequestEncoder e = new ReadRequestEncoder().view(BenchData.NARROW).entityKey("driver_id", 1);
        byte[] before = e.toByteArray();
        assertThrows(IllegalArgumentException.class, () -> e.timeoutMs(-1));
        assertThrows(IllegalArgumentException.class, () -> new ReadRequestEncoder(-1));
        assertThrows(NullPointerException.class, () -> e.view((FeatureView) null));
        assertThrows(NullPointerException.class, () -> e.view(BenchData.NARROW, null));
        assertThrows(NullPointerException.class, () -> e.view(BenchData.WIDE, java.util.Arrays.asList("a", null)));
        assertThrows(NullPointerException.class, () -> e.view((ViewRead) null));
        assertThrows(NullPointerException.class, () -> e.entityKey(null, 1L));
        assertThrows(NullPointerException.class, () -> e.entityKey("k", (String) null));
        assertThrows(NullPointerException.class, () -> e.entityKey((EntityKey) null));
        assertThrows(NullPointerException.class, () -> e.entityKey((EntityKeyProto.EntityKey) null));
        assertArrayEquals(before, e.toByteArray());
        assertEquals(1, e.viewCount());
        assertEquals(1, e.entityKeyCount());
    }

    @Test
    void readsThroughTheEncoderEqualTheMessagePath(TestInfo info) {
        try (AerospikeOnlineStore store = server.config(project(info)).open()) {
            for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
                var w = new WriteBatchEncoder(view);
                for (long id = 0; id < 20; id += 2) { // odd ids stay missing
                    BenchData.appendRow(w, view == BenchData.NARROW, id);
                }
                store.writeBatch(w);
            }
            List<String> projection = List.of(BenchData.WIDE.getFeatures(5).getName(),
                    BenchData.WIDE.getFeatures(1).getName());
            ReadRequest.Builder m = ReadRequest.newBuilder().setTimeoutMs(5_000)
                    .addViews(viewRead(BenchData.NARROW, List.of()))
                    .addViews(viewRead(BenchData.WIDE, projection));
            ReadRequestEncoder e = new ReadRequestEncoder().timeoutMs(5_000)
                    .view(BenchData.NARROW).view(BenchData.WIDE, projection);
            for (long id = 0; id < 12; id++) {
                m.addEntityKeys(BenchData.key(id));
                e.entityKey("driver_id", id);
            }
            List<ViewValues> expected = store.readValues(m.build());
            List<ViewValues> got = store.readValues(e);
            assertEquals(2, got.size());
            for (int v = 0; v < 2; v++) {
                assertEquals(expected.get(v).featureView(), got.get(v).featureView());
                assertEquals(expected.get(v).featureNames(), got.get(v).featureNames());
                assertEquals(expected.get(v).rows(), got.get(v).rows());
            }
            assertTrue(got.get(0).rows().get(0).found());
            assertTrue(!got.get(0).rows().get(1).found());
            // The encoder is left as it was: the same read again gives the same rows.
            assertEquals(expected.get(1).rows(), store.readValues(e).get(1).rows());

            // The library's validation errors surface as for a message: a key without a value.
            ReadRequestEncoder bad = new ReadRequestEncoder().view(BenchData.NARROW)
                    .entityKey(EntityKey.newBuilder().addJoinKeys("driver_id").build());
            InvalidArgumentException viaEncoder = assertThrows(InvalidArgumentException.class,
                    () -> store.readValues(bad));
            InvalidArgumentException viaMessage = assertThrows(InvalidArgumentException.class,
                    () -> store.readValues(bad.toRequest()));
            assertEquals(viaMessage.getMessage(), viaEncoder.getMessage());
        }
    }
}
