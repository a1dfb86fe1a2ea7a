// WriteBatchEncoder: its bytes parse (protobuf-java) into exactly the request the
// message builders make, for every value kind and shape; misuse fails at once and
// leaves the buffer intact; and writes through it land, against the test server
// (a test double of the Aerospike wire protocol), on whichever native path this
// JVM uses (CI runs the suite on JDK 25: Panama, and JDK 17: JNI).
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.Feature;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import dev.feastaerospike.proto.TypesProto;
import dev.feastaerospike.proto.TypesProto.EntityKey;
import dev.feastaerospike.proto.TypesProto.Value;
import dev.feastaerospike.proto.TypesProto.ValueType;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class WriteBatchEncoderTest {
    private static TestServer server;
    /** protobuf-java logs a stack trace per unpaired surrogate it writes (the tests do, on purpose). */
    private static final java.util.logging.Logger PROTOBUF_LOG =
            java.util.logging.Logger.getLogger(com.google.protobuf.CodedOutputStream.class.getName());

    @BeforeAll
    static void startServer() throws Exception {
        PROTOBUF_LOG.setLevel(java.util.logging.Level.OFF);
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** A project (hence a set) of its own per test method. */
    private static String project(TestInfo info) {
        return "e" + AerospikeOnlineStoreTest.project(info);
    }

    private static WriteBatchRequest messages(FeatureView view, long from, long to) {
        WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
        for (long id = from; id < to; id++) {
            b.addRows(BenchData.row(view, id));
        }
        return b.build();
    }

    private static WriteBatchEncoder encoded(FeatureView view, long from, long to) {
        WriteBatchEncoder e = new WriteBatchEncoder(view);
        for (long id = from; id < to; id++) {
            BenchData.appendRow(e, view == BenchData.NARROW, id);
        }
        return e;
    }

    // ---- the bytes ----

    /**
     * A message as the library receives it from the message path: serialised (unpaired
     * surrogates become '?' there) and parsed back.
     */
    private static WriteBatchRequest wire(WriteBatchRequest.Builder request) {
        try {
            return WriteBatchRequest.parseFrom(request.build().toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void benchRowsEqualTheMessagePathsRequest() {
        for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
            WriteBatchEncoder e = encoded(view, 0, 200);
            WriteBatchRequest parsed = e.toRequest();
            assertEquals(messages(view, 0, 200), parsed, view.getName());
            assertEquals(200, e.rowCount());
            assertEquals(e.size(), e.toByteArray().length);
            assertTrue(parsed.getUnknownFields().asMap().isEmpty());
        }
        // extreme ids: negative int64 entity values, big timestamps
        WriteBatchEncoder e = new WriteBatchEncoder(BenchData.NARROW);
        long[] ids = {Long.MIN_VALUE / 4, -1, 0, 1L << 40};
        WriteBatchRequest.Builder want = WriteBatchRequest.newBuilder().setFeatureView(BenchData.NARROW);
        for (long id : ids) {
            BenchData.appendRow(e, true, id);
            want.addRows(BenchData.row(BenchData.NARROW, id));
        }
        assertEquals(want.build(), e.toRequest());
    }

    /** A view with one feature per value kind the encoder has an appender for. */
    private static final FeatureView KINDS = FeatureView.newBuilder().setName("kinds_ünïcödé_视图")
            .addFeatures(feature("i64", ValueType.Enum.INT64)).addFeatures(feature("i32", ValueType.Enum.INT32))
            .addFeatures(feature("f64", ValueType.Enum.DOUBLE)).addFeatures(feature("f32", ValueType.Enum.FLOAT))
            .addFeatures(feature("s", ValueType.Enum.STRING)).addFeatures(feature("b", ValueType.Enum.BYTES))
            .addFeatures(feature("ok", ValueType.Enum.BOOL)).addFeatures(feature("ts", ValueType.Enum.UNIX_TIMESTAMP))
            .addFeatures(feature("nothing", ValueType.Enum.NULL))
            .addFeatures(feature("i64s", ValueType.Enum.INT64_LIST)).addFeatures(feature("i32s", ValueType.Enum.INT32_LIST))
            .addFeatures(feature("f64s", ValueType.Enum.DOUBLE_LIST)).addFeatures(feature("f32s", ValueType.Enum.FLOAT_LIST))
            .addFeatures(feature("oks", ValueType.Enum.BOOL_LIST)).addFeatures(feature("ss", ValueType.Enum.STRING_LIST))
            .addFeatures(feature("bs", ValueType.Enum.BYTES_LIST)).addFeatures(feature("tss", ValueType.Enum.UNIX_TIMESTAMP_LIST))
            .addFeatures(feature("名前_🚀", ValueType.Enum.STRING))
            .build();

    private static Feature feature(String name, ValueType.Enum type) {
        return Feature.newBuilder().setName(name).setValueType(type).build();
    }

    private static final String UNICODE = "aé中🚀\uD800x\uDC00";   // 1-4 byte chars, unpaired surrogates

    /** Puts every kind, by index when {@code byIndex}, else by name; returns the same row as a message. */
    private static WriteRow everyKind(WriteBatchEncoder e, boolean byIndex, long v) {
        WriteRow.Builder m = WriteRow.newBuilder().setEntityKey(EntityKey.newBuilder().addJoinKeys("user")
                .addEntityValues(Value.newBuilder().setStringVal("u-" + v + UNICODE)))
                .setEventTimestamp(Timestamp.newBuilder().setSeconds(v).setNanos(123_456_789))
                .setCreatedTimestamp(Timestamp.newBuilder().setSeconds(-v));
        e.beginRow().entityKey("user", "u-" + v + UNICODE).eventTimestamp(v, 123_456_789).createdTimestamp(-v, 0);
        List<Value> values = new ArrayList<>();
        long[] longs = {0, 1, -1, v, Long.MIN_VALUE, Long.MAX_VALUE};
        int[] ints = {0, 1, -1, (int) v, Integer.MIN_VALUE, Integer.MAX_VALUE};
        double[] doubles = {0.0, -0.0, 1.5, Double.NaN, Double.MAX_VALUE, v};
        float[] floats = {0f, -0f, 1.5f, Float.NaN, Float.MIN_VALUE, v};
        boolean[] bools = {true, false, v % 2 == 0};
        List<String> strings = List.of("", "a", UNICODE, "x".repeat(300));
        List<byte[]> blobs = List.of(new byte[0], new byte[] {0, (byte) 0xff}, new byte[200]);
        values.add(Value.newBuilder().setInt64Val(-v).build());
        values.add(Value.newBuilder().setInt32Val((int) -v).build());
        values.add(Value.newBuilder().setDoubleVal(v / 3.0).build());
        values.add(Value.newBuilder().setFloatVal(v / 3f).build());
        values.add(Value.newBuilder().setStringVal(UNICODE + v).build());
        values.add(Value.newBuilder().setBytesVal(ByteString.copyFrom(new byte[] {1, 2, (byte) v})).build());
        values.add(Value.newBuilder().setBoolVal(v % 3 == 0).build());
        values.add(Value.newBuilder().setUnixTimestampVal(1_700_000_000L + v).build());
        values.add(Value.newBuilder().setNullVal(TypesProto.Null.NULL).build());
        values.add(Value.newBuilder().setInt64ListVal(TypesProto.Int64List.newBuilder()
                .addAllVal(Arrays.stream(longs).boxed().toList())).build());
        values.add(Value.newBuilder().setInt32ListVal(TypesProto.Int32List.newBuilder()
                .addAllVal(Arrays.stream(ints).boxed().toList())).build());
        values.add(Value.newBuilder().setDoubleListVal(TypesProto.DoubleList.newBuilder()
                .addAllVal(Arrays.stream(doubles).boxed().toList())).build());
        TypesProto.FloatList.Builder fl = TypesProto.FloatList.newBuilder();
        for (float f : floats) {
            fl.addVal(f);
        }
        values.add(Value.newBuilder().setFloatListVal(fl).build());
        TypesProto.BoolList.Builder bl = TypesProto.BoolList.newBuilder();
        for (boolean b : bools) {
            bl.addVal(b);
        }
        values.add(Value.newBuilder().setBoolListVal(bl).build());
        values.add(Value.newBuilder().setStringListVal(TypesProto.StringList.newBuilder().addAllVal(strings)).build());
        TypesProto.BytesList.Builder bytesList = TypesProto.BytesList.newBuilder();
        blobs.forEach(b -> bytesList.addVal(ByteString.copyFrom(b)));
        values.add(Value.newBuilder().setBytesListVal(bytesList).build());
        values.add(Value.newBuilder().setUnixTimestampListVal(TypesProto.Int64List.newBuilder().addVal(v).addVal(-v)).build());
        values.add(Value.newBuilder().setStringVal("🚀").build());
        for (int i = 0; i < values.size(); i++) {
            m.putValues(KINDS.getFeatures(i).getName(), values.get(i));
        }
        // The encoder side, through the typed appenders.
        Object[] keys = new Object[values.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = byIndex ? (Object) i : KINDS.getFeatures(i).getName();
        }
        put(e, keys[0], k -> e.putInt64((int) k, -v), k -> e.putInt64((String) k, -v));
        put(e, keys[1], k -> e.putInt32((int) k, (int) -v), k -> e.putInt32((String) k, (int) -v));
        put(e, keys[2], k -> e.putDouble((int) k, v / 3.0), k -> e.putDouble((String) k, v / 3.0));
        put(e, keys[3], k -> e.putFloat((int) k, v / 3f), k -> e.putFloat((String) k, v / 3f));
        put(e, keys[4], k -> e.putString((int) k, UNICODE + v), k -> e.putString((String) k, UNICODE + v));
        byte[] blob = {1, 2, (byte) v};
        put(e, keys[5], k -> e.putBytes((int) k, blob), k -> e.putBytes((String) k, blob));
        put(e, keys[6], k -> e.putBool((int) k, v % 3 == 0), k -> e.putBool((String) k, v % 3 == 0));
        put(e, keys[7], k -> e.putUnixTimestamp((int) k, 1_700_000_000L + v),
                k -> e.putUnixTimestamp((String) k, 1_700_000_000L + v));
        put(e, keys[8], k -> e.putNull((int) k), k -> e.putNull((String) k));
        put(e, keys[9], k -> e.putInt64List((int) k, longs), k -> e.putInt64List((String) k, longs));
        put(e, keys[10], k -> e.putInt32List((int) k, ints), k -> e.putInt32List((String) k, ints));
        put(e, keys[11], k -> e.putDoubleList((int) k, doubles), k -> e.putDoubleList((String) k, doubles));
        put(e, keys[12], k -> e.putFloatList((int) k, floats), k -> e.putFloatList((String) k, floats));
        put(e, keys[13], k -> e.putBoolList((int) k, bools), k -> e.putBoolList((String) k, bools));
        put(e, keys[14], k -> e.putStringList((int) k, strings), k -> e.putStringList((String) k, strings));
        put(e, keys[15], k -> e.putBytesList((int) k, blobs), k -> e.putBytesList((String) k, blobs));
        long[] stamps = {v, -v};
        put(e, keys[16], k -> e.putUnixTimestampList((int) k, stamps), k -> e.putUnixTimestampList((String) k, stamps));
        put(e, keys[17], k -> e.putString((int) k, "🚀"), k -> e.putString((String) k, "🚀"));
        e.endRow();
        return m.build();
    }

    private static void put(WriteBatchEncoder e, Object key, Consumer<Object> byIndex, Consumer<Object> byName) {
        (key instanceof Integer ? byIndex : byName).accept(key);
    }

    @Test
    void everyValueKindByIndexAndByNameEqualsTheMessage() {
        for (boolean byIndex : new boolean[] {true, false}) {
            WriteBatchEncoder e = new WriteBatchEncoder(KINDS, 0);   // grows from nothing
            WriteBatchRequest.Builder want = WriteBatchRequest.newBuilder().setFeatureView(KINDS);
            for (long v : new long[] {0, 1, 7, -3, 1L << 35, -(1L << 50)}) {
                want.addRows(everyKind(e, byIndex, v));
            }
            assertEquals(wire(want), e.toRequest(), "byIndex=" + byIndex);
        }
    }

    @Test
    void emptyListsEmptyRowsAnEmptyBatchAndAMissingCreatedTimestamp() {
        WriteBatchEncoder e = new WriteBatchEncoder(KINDS);
        assertEquals(WriteBatchRequest.newBuilder().setFeatureView(KINDS).build(), e.toRequest());
        e.beginRow().endRow();
        e.beginRow().entityKey("k", 5).eventTimestamp(0, 0)
                .putInt64List(9, new long[0]).putInt32List(10, new int[0]).putDoubleList(11, new double[0])
                .putFloatList(12, new float[0]).putBoolList(13, new boolean[0]).putStringList(14, List.of())
                .putBytesList(15, List.of()).putUnixTimestampList(16, new long[0])
                .putString("empty", "").putBytes("none", new byte[0]).endRow();
        WriteBatchRequest parsed = e.toRequest();
        WriteRow second = WriteRow.newBuilder()
                .setEntityKey(EntityKey.newBuilder().addJoinKeys("k").addEntityValues(Value.newBuilder().setInt64Val(5)))
                .setEventTimestamp(Timestamp.getDefaultInstance())
                .putValues("i64s", Value.newBuilder().setInt64ListVal(TypesProto.Int64List.getDefaultInstance()).build())
                .putValues("i32s", Value.newBuilder().setInt32ListVal(TypesProto.Int32List.getDefaultInstance()).build())
                .putValues("f64s", Value.newBuilder().setDoubleListVal(TypesProto.DoubleList.getDefaultInstance()).build())
                .putValues("f32s", Value.newBuilder().setFloatListVal(TypesProto.FloatList.getDefaultInstance()).build())
                .putValues("oks", Value.newBuilder().setBoolListVal(TypesProto.BoolList.getDefaultInstance()).build())
                .putValues("ss", Value.newBuilder().setStringListVal(TypesProto.StringList.getDefaultInstance()).build())
                .putValues("bs", Value.newBuilder().setBytesListVal(TypesProto.BytesList.getDefaultInstance()).build())
                .putValues("tss", Value.newBuilder()
                        .setUnixTimestampListVal(TypesProto.Int64List.getDefaultInstance()).build())
                .putValues("empty", Value.newBuilder().setStringVal("").build())
                .putValues("none", Value.newBuilder().setBytesVal(ByteString.EMPTY).build())
                .build();
        assertEquals(WriteBatchRequest.newBuilder().setFeatureView(KINDS)
                .addRows(WriteRow.getDefaultInstance()).addRows(second).build(), parsed);
        assertFalse(parsed.getRows(1).hasCreatedTimestamp());
        assertTrue(parsed.getRows(1).hasEventTimestamp(), "a zero timestamp is still set");
        assertTrue(parsed.getRows(1).getValuesOrThrow("i64s").hasInt64ListVal(), "an empty list is still that kind");
    }

    @Test
    void genericValuesFeastTypesAndInstants() {
        Value map = Value.newBuilder().setMapVal(TypesProto.Map.newBuilder()
                .putVal("inner", Value.newBuilder().setDoubleVal(2.5).build())).build();
        ValueProto.Value feastValue = ValueProto.Value.newBuilder().setStringVal("from feast").build();
        EntityKeyProto.EntityKey feastKey = EntityKeyProto.EntityKey.newBuilder()
                .addJoinKeys("a").addJoinKeys("b").addEntityValues(ValueProto.Value.newBuilder().setInt64Val(1))
                .addEntityValues(ValueProto.Value.newBuilder().setStringVal("x")).build();
        Instant event = Instant.ofEpochSecond(1_700_000_000L, 5);
        WriteBatchEncoder e = new WriteBatchEncoder(KINDS).timeoutMs(250);
        e.beginRow().entityKey(feastKey).eventTimestamp(event).createdTimestamp(event.plusSeconds(1))
                .putValue("m", map).putValue(4, feastValue).endRow();
        e.beginRow().entityKey(BenchData.key(9)).eventTimestamp(1, 0).putValue(0, map).endRow();
        WriteBatchRequest want = WriteBatchRequest.newBuilder().setFeatureView(KINDS).setTimeoutMs(250)
                .addRows(WriteRow.newBuilder().setEntityKey(FeastTypes.toMirror(feastKey))
                        .setEventTimestamp(FeastTypes.toTimestamp(event))
                        .setCreatedTimestamp(FeastTypes.toTimestamp(event.plusSeconds(1)))
                        .putValues("m", map).putValues("s", FeastTypes.toMirror(feastValue)))
                .addRows(WriteRow.newBuilder().setEntityKey(BenchData.key(9))
                        .setEventTimestamp(Timestamp.newBuilder().setSeconds(1)).putValues("i64", map))
                .build();
        assertEquals(want, e.toRequest());
        assertEquals(e.size(), e.toByteArray().length);
    }

    @Test
    void largeRowsAndBuffersGrowAndResetKeepsCapacity() {
        // A row over 2 MiB: its padded 5-byte length is needed in full.
        WriteBatchEncoder e = new WriteBatchEncoder(BenchData.WIDE, 16);
        String big = "é".repeat(1_500_000);   // 3 MB of UTF-8
        double[] many = new double[100_000];
        Arrays.setAll(many, i -> i * 0.5);
        e.beginRow().entityKey("driver_id", 1).eventTimestamp(1, 0).putString("big", big).putDoubleList(0, many);
        for (int i = 0; i < 20_000; i++) {
            e.putInt64("f" + i, i);
        }
        e.endRow();
        WriteRow.Builder row = WriteRow.newBuilder().setEntityKey(BenchData.key(1))
                .setEventTimestamp(Timestamp.newBuilder().setSeconds(1))
                .putValues("big", Value.newBuilder().setStringVal(big).build())
                .putValues("w000", Value.newBuilder().setDoubleListVal(TypesProto.DoubleList.newBuilder()
                        .addAllVal(Arrays.stream(many).boxed().toList())).build());
        for (int i = 0; i < 20_000; i++) {
            row.putValues("f" + i, Value.newBuilder().setInt64Val(i).build());
        }
        assertEquals(WriteBatchRequest.newBuilder().setFeatureView(BenchData.WIDE).addRows(row).build(), e.toRequest());
        assertTrue(e.size() > 3_000_000, "size " + e.size());

        int capacity = e.capacity();
        e.reset();
        assertEquals(capacity, e.capacity());
        assertEquals(0, e.rowCount());
        BenchData.appendRow(e, false, 3);
        assertEquals(messages(BenchData.WIDE, 3, 4), e.toRequest());
    }

    @Test
    void randomRowsEqualTheirMessages() {
        Random random = new Random(42);
        WriteBatchEncoder e = new WriteBatchEncoder(KINDS, 1);
        for (int round = 0; round < 30; round++) {
            e.reset();
            WriteBatchRequest.Builder want = WriteBatchRequest.newBuilder().setFeatureView(KINDS);
            int rows = random.nextInt(20);
            for (int r = 0; r < rows; r++) {
                long id = random.nextLong();
                WriteRow.Builder m = WriteRow.newBuilder().setEntityKey(BenchData.key(id))
                        .setEventTimestamp(Timestamp.newBuilder().setSeconds(random.nextInt()).setNanos(random.nextInt(1_000_000_000)));
                e.beginRow().entityKey("driver_id", id);
                Timestamp ts = m.getEventTimestamp();
                e.eventTimestamp(ts.getSeconds(), ts.getNanos());
                int n = random.nextInt(30);
                for (int i = 0; i < n; i++) {
                    String name = "f" + random.nextInt(10_000) + (random.nextBoolean() ? "" : "ü");
                    Value v;
                    switch (random.nextInt(6)) {
                        case 0 -> {
                            long x = random.nextLong() >> random.nextInt(64);
                            e.putInt64(name, x);
                            v = Value.newBuilder().setInt64Val(x).build();
                        }
                        case 1 -> {
                            int x = random.nextInt() >> random.nextInt(32);
                            e.putInt32(name, x);
                            v = Value.newBuilder().setInt32Val(x).build();
                        }
                        case 2 -> {
                            double x = random.nextGaussian();
                            e.putDouble(name, x);
                            v = Value.newBuilder().setDoubleVal(x).build();
                        }
                        case 3 -> {
                            char[] cs = new char[random.nextInt(200)];
                            for (int c = 0; c < cs.length; c++) {
                                cs[c] = (char) (random.nextBoolean() ? random.nextInt(128) : random.nextInt(0x10000));
                            }
                            String s = new String(cs);
                            e.putString(name, s);
                            v = Value.newBuilder().setStringVal(s).build();
                        }
                        case 4 -> {
                            e.putBool(name, i % 2 == 0);
                            v = Value.newBuilder().setBoolVal(i % 2 == 0).build();
                        }
                        default -> {
                            float x = random.nextFloat();
                            e.putFloat(name, x);
                            v = Value.newBuilder().setFloatVal(x).build();
                        }
                    }
                    m.putValues(name, v);   // a name put twice keeps the last value, like the encoder
                }
                e.endRow();
                want.addRows(m);
            }
            assertEquals(wire(want), e.toRequest(), "round " + round);
        }
    }

    // ---- misuse ----

    @Test
    void misuseFailsAtOnceAndLeavesTheBufferIntact() {
        WriteBatchEncoder e = new WriteBatchEncoder(BenchData.NARROW);
        assertThrows(IllegalStateException.class, () -> e.putInt64(0, 1), "a value outside a row");
        assertThrows(IllegalStateException.class, () -> e.entityKey("driver_id", 1));
        assertThrows(IllegalStateException.class, () -> e.eventTimestamp(1, 0));
        assertThrows(IllegalStateException.class, e::endRow);
        BenchData.appendRow(e, true, 1);
        byte[] good = e.toByteArray();

        e.beginRow().entityKey("driver_id", 2).eventTimestamp(1, 0);
        assertThrows(IllegalStateException.class, e::beginRow);
        assertThrows(IllegalStateException.class, () -> e.entityKey("driver_id", 3));
        assertThrows(IllegalStateException.class, () -> e.eventTimestamp(2, 0));
        e.createdTimestamp(3, 0);
        assertThrows(IllegalStateException.class, () -> e.createdTimestamp(3, 0));
        assertThrows(IllegalStateException.class, e::toByteArray, "an open row");
        int before = e.size();
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> e.putInt64(10, 1));
        assertTrue(range.getMessage().contains("feature index 10 outside feature view 'driver_narrow' (10 features)"),
                range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> e.putDouble(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> e.putDouble(Integer.MIN_VALUE, 1));
        assertThrows(NullPointerException.class, () -> e.putInt64((String) null, 1));
        assertThrows(NullPointerException.class, () -> e.putString(6, null));
        assertThrows(NullPointerException.class, () -> e.putStringList("x", Arrays.asList("a", null)));
        assertThrows(NullPointerException.class, () -> e.putBytesList("x", Arrays.asList(new byte[1], null)));
        assertThrows(NullPointerException.class, () -> e.putDoubleList("x", null));
        assertThrows(NullPointerException.class, () -> e.putValue("x", (Value) null));
        assertEquals(before, e.size(), "failed calls wrote nothing");
        e.endRow();
        assertThrows(IllegalArgumentException.class, () -> e.timeoutMs(-1));
        assertThrows(IllegalArgumentException.class, () -> new WriteBatchEncoder(BenchData.NARROW, -1));
        assertThrows(NullPointerException.class, () -> new WriteBatchEncoder(null));

        WriteBatchEncoder f = new WriteBatchEncoder(BenchData.NARROW);
        f.beginRow();
        assertThrows(IllegalArgumentException.class, () -> f.eventTimestamp(1, -1));
        assertThrows(IllegalArgumentException.class, () -> f.eventTimestamp(1, 1_000_000_000));
        f.endRow();

        // The rows before the failures are intact and the encoder goes on.
        WriteBatchRequest parsed = e.toRequest();
        assertEquals(2, parsed.getRowsCount());
        assertEquals(messages(BenchData.NARROW, 1, 2).getRows(0), parsed.getRows(0));
        assertArrayEquals(good, Arrays.copyOf(e.toByteArray(), good.length));
    }

    // ---- against the test server ----

    private static ReadRequest read(FeatureView view, long... ids) {
        ReadRequest.Builder r = ReadRequest.newBuilder().addViews(ViewRead.newBuilder().setFeatureView(view));
        for (long id : ids) {
            r.addEntityKeys(BenchData.key(id));
        }
        return r.build();
    }

    @Test
    void writesThroughTheEncoderReadBackLikeTheMessagePath(TestInfo info) {
        try (AerospikeOnlineStore store = server.config(project(info)).open();
                AerospikeOnlineStore other = server.config(project(info) + "_m").open()) {
            WriteBatchEncoder e = new WriteBatchEncoder(BenchData.NARROW, 16).timeoutMs(10_000);
            for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
                WriteBatchEncoder batch = view == BenchData.NARROW ? e : encoded(view, 0, 0).timeoutMs(10_000);
                for (int round = 0; round < 2; round++) {   // reuse after reset
                    batch.reset();
                    for (long id = 0; id < 120; id++) {
                        BenchData.appendRow(batch, view == BenchData.NARROW, id);
                    }
                    WriteBatchResponse viaEncoder = store.writeBatch(batch);
                    assertEquals(120, viaEncoder.getRowsWritten());
                    WriteBatchResponse viaMessage = other.writeBatch(messages(view, 0, 120));
                    assertEquals(viaMessage, viaEncoder);
                }
                long[] ids = {0, 7, 119, 500};
                List<EntityRow> got = store.read(read(view, ids)).getViews(0).getRowsList();
                assertEquals(other.read(read(view, ids)).getViews(0).getRowsList(), got, view.getName());
                assertTrue(got.get(2).getFound());
                assertFalse(got.get(3).getFound());
                for (int i = 0; i < view.getFeaturesCount(); i++) {
                    Value want = view == BenchData.NARROW ? BenchData.narrowValue(119, i) : BenchData.wideValue(119, i);
                    assertEquals(want, got.get(2).getValues(i));
                }
                assertEquals(BenchData.eventTs(119), got.get(2).getEventTimestamp());
            }
            // An empty batch writes nothing and succeeds.
            assertEquals(0, store.writeBatch(new WriteBatchEncoder(BenchData.NARROW)).getRowsWritten());
        }
    }

    @Test
    void everyKindRoundTripsThroughTheTestServer(TestInfo info) {
        try (AerospikeOnlineStore store = server.config(project(info)).open();
                AerospikeOnlineStore other = server.config(project(info) + "_m").open()) {
            WriteBatchEncoder e = new WriteBatchEncoder(KINDS);
            WriteRow row = wire(WriteBatchRequest.newBuilder().addRows(everyKind(e, true, 11))).getRows(0);
            store.writeBatch(e);
            other.writeBatch(WriteBatchRequest.newBuilder().setFeatureView(KINDS).addRows(row).build());
            ReadRequest read = ReadRequest.newBuilder().addEntityKeys(row.getEntityKey())
                    .addViews(ViewRead.newBuilder().setFeatureView(KINDS)).build();
            EntityRow got = store.read(read).getViews(0).getRows(0);
            assertEquals(other.read(read).getViews(0).getRows(0), got);
            assertTrue(got.getFound());
            for (int i = 0; i < KINDS.getFeaturesCount(); i++) {
                String name = KINDS.getFeatures(i).getName();
                if (!name.equals("nothing")) {   // a null reads back unset, whichever path wrote it
                    assertEquals(row.getValuesOrThrow(name), got.getValues(i), name);
                }
            }
        }
    }

    @Test
    void badRowsFailLikeTheMessagePathAndWriteNothing(TestInfo info) {
        try (AerospikeOnlineStore store = server.config(project(info)).open()) {
            // The library refuses a row without entity key as a row failure (the rows
            // before it are written): the same through both paths.
            WriteBatchEncoder noKey = new WriteBatchEncoder(BenchData.NARROW);
            BenchData.appendRow(noKey, true, 1);
            noKey.beginRow().eventTimestamp(5, 0).putInt64(0, 1).endRow();
            WriteBatchRequest sameAsMessage = noKey.toRequest();
            WriteBatchException viaEncoder = assertThrows(WriteBatchException.class, () -> store.writeBatch(noKey));
            WriteBatchException viaMessage = assertThrows(WriteBatchException.class,
                    () -> store.writeBatch(sameAsMessage));
            assertEquals(viaMessage.getMessage(), viaEncoder.getMessage());
            assertEquals(viaMessage.response(), viaEncoder.response());
            assertTrue(viaEncoder.getMessage().contains("row 1: entity_key is required"), viaEncoder.getMessage());

            // A view the library refuses fails the whole call, through both paths.
            FeatureView noName = BenchData.NARROW.toBuilder().clearName().build();
            WriteBatchEncoder unnamed = new WriteBatchEncoder(noName);
            BenchData.appendRow(unnamed, true, 2);
            InvalidArgumentException refused = assertThrows(InvalidArgumentException.class,
                    () -> store.writeBatch(unnamed));
            assertEquals(assertThrows(InvalidArgumentException.class,
                    () -> store.writeBatch(unnamed.toRequest())).getMessage(), refused.getMessage());
            assertFalse(store.read(read(BenchData.NARROW, 2)).getViews(0).getRows(0).getFound(),
                    "nothing of a refused batch is written");

            WriteBatchEncoder open = new WriteBatchEncoder(BenchData.NARROW);
            open.beginRow().entityKey("driver_id", 1);
            IllegalStateException unfinished = assertThrows(IllegalStateException.class, () -> store.writeBatch(open));
            assertTrue(unfinished.getMessage().contains("still open"), unfinished.getMessage());
            assertThrows(NullPointerException.class, () -> store.writeBatch((WriteBatchEncoder) null));
        }
        AerospikeOnlineStore closed = server.config(project(info)).open();
        closed.close();
        assertThrows(StoreClosedException.class, () -> closed.writeBatch(encoded(BenchData.NARROW, 0, 1)));
    }

    @Test
    void thePrewritingHookRunsOnEncodedBatches(TestInfo info) {
        List<Integer> seen = new ArrayList<>();
        PrewritingHook mask = (view, rows) -> {
            seen.add(rows.size());
            List<WriteRow> out = new ArrayList<>();
            for (WriteRow r : rows) {
                out.add(r.toBuilder().putValues("str_0", Value.newBuilder().setStringVal("***").build()).build());
            }
            return out.subList(0, 2);   // drops the last row too
        };
        try (AerospikeOnlineStore store = server.config(project(info)).prewritingHook(mask).open()) {
            WriteBatchResponse r = store.writeBatch(encoded(BenchData.NARROW, 0, 3));
            assertEquals(List.of(3), seen);
            assertEquals(2, r.getRowsWritten());
            List<EntityRow> rows = store.read(read(BenchData.NARROW, 1, 2)).getViews(0).getRowsList();
            assertEquals("***", rows.get(0).getValues(6).getStringVal());
            assertEquals(BenchData.narrowValue(1, 7), rows.get(0).getValues(7));
            assertFalse(rows.get(1).getFound(), "the row the hook dropped");
        }
    }
}
