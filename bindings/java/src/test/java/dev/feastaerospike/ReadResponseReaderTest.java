// ReadResponseReader against protobuf-java: random responses of every value kind
// decode to the same values; hand-made encodings protobuf-java never writes;
// malformed bytes throw IOException and nothing else; and a bound on the bytes
// allocated per decoded value.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.TypesProto;
import dev.feastaerospike.proto.TypesProto.Value;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadResponseReaderTest {
    /** Decodes from a direct buffer of exactly the message's size, as from native memory. */
    private static List<ViewValues> decodeDirect(byte[] bytes) throws IOException {
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).flip();
        return ReadResponseReader.decode(direct);
    }

    // ---- random responses ----

    private static String randomString(Random r) {
        int n = r.nextInt(12);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(r.nextInt(8) == 0 ? 'é' : (char) ('a' + r.nextInt(26)));
        }
        return s.toString();
    }

    private static Value randomValue(Random r, int depth) {
        Value.Builder v = Value.newBuilder();
        int n = r.nextInt(4);
        switch (r.nextInt(depth > 0 ? 27 : 28)) {
            case 0 -> { }
            case 1 -> v.setBytesVal(ByteString.copyFrom(randomString(r).getBytes()));
            case 2 -> v.setStringVal(randomString(r));
            case 3 -> v.setInt32Val(r.nextInt());
            case 4 -> v.setInt64Val(r.nextLong());
            case 5 -> v.setDoubleVal(r.nextDouble() * 1e6 - 5e5);
            case 6 -> v.setFloatVal(r.nextFloat());
            case 7 -> v.setBoolVal(r.nextBoolean());
            case 8 -> v.setUnixTimestampVal(r.nextLong());
            case 9 -> v.setNullVal(TypesProto.Null.NULL);
            case 10 -> v.setJsonVal(randomString(r));
            case 11 -> v.setUuidVal(randomString(r));
            case 12 -> v.setDecimalVal(randomString(r));
            case 13 -> v.setInt32ListVal(TypesProto.Int32List.newBuilder().addAllVal(r.ints(n).boxed().toList()));
            case 14 -> v.setInt64ListVal(TypesProto.Int64List.newBuilder().addAllVal(r.longs(n).boxed().toList()));
            case 15 -> v.setDoubleListVal(TypesProto.DoubleList.newBuilder().addAllVal(r.doubles(n).boxed().toList()));
            case 16 -> v.setFloatListVal(TypesProto.FloatList.newBuilder().addVal(r.nextFloat()).addVal(-1.5f));
            case 17 -> v.setBoolListVal(TypesProto.BoolList.newBuilder().addVal(true).addVal(r.nextBoolean()));
            case 18 -> v.setStringListVal(TypesProto.StringList.newBuilder().addVal(randomString(r)).addVal(""));
            case 19 -> v.setBytesListVal(TypesProto.BytesList.newBuilder().addVal(ByteString.copyFromUtf8(randomString(r))));
            case 20 -> v.setUnixTimestampListVal(TypesProto.Int64List.newBuilder().addAllVal(r.longs(n).boxed().toList()));
            case 21 -> v.setInt64SetVal(TypesProto.Int64Set.newBuilder().addAllVal(r.longs(n).boxed().toList()));
            case 22 -> v.setInt32SetVal(TypesProto.Int32Set.newBuilder().addAllVal(r.ints(n).boxed().toList()));
            case 23 -> v.setStringSetVal(TypesProto.StringSet.newBuilder().addVal(randomString(r)));
            case 24 -> v.setJsonListVal(TypesProto.StringList.newBuilder().addVal(randomString(r)));
            case 25 -> v.setMapVal(TypesProto.Map.newBuilder().putVal(randomString(r), randomValue(r, depth + 1)));
            case 26 -> v.setTimeUuidVal(randomString(r));
            default -> v.setListVal(TypesProto.RepeatedValue.newBuilder().addVal(randomValue(r, depth + 1)));
        }
        return v.build();
    }

    private static ReadResponse randomResponse(Random r) {
        ReadResponse.Builder resp = ReadResponse.newBuilder();
        for (int v = r.nextInt(3); v > 0; v--) {
            ViewResult.Builder view = ViewResult.newBuilder().setFeatureView(randomString(r));
            int features = r.nextInt(6);
            for (int f = 0; f < features; f++) {
                view.addFeatureNames(randomString(r));
            }
            for (int i = r.nextInt(5); i > 0; i--) {
                EntityRow.Builder row = EntityRow.newBuilder();
                if (r.nextInt(4) > 0) {
                    row.setFound(true);
                    row.setEventTimestamp(Timestamp.newBuilder().setSeconds(r.nextLong() >> r.nextInt(40))
                            .setNanos(r.nextInt(1_000_000_000)));
                    for (int f = 0; f < features; f++) {
                        row.addValues(randomValue(r, 0));
                    }
                }
                view.addRows(row);
            }
            resp.addViews(view);
        }
        return resp.build();
    }

    @Test
    void agreesWithProtobufJavaOnRandomResponses() throws IOException {
        Random r = new Random(20240101);
        for (int i = 0; i < 3000; i++) {
            ReadResponse response = randomResponse(r);
            byte[] bytes = response.toByteArray();
            String want = ReadResponseReaderTestSupport.render(ReadResponseReaderTestSupport.reference(ReadResponse.parseFrom(bytes)));
            assertEquals(want, ReadResponseReaderTestSupport.render(decodeDirect(bytes)), "response " + i);
            assertEquals(want, ReadResponseReaderTestSupport.render(ReadResponseReader.decode(ByteBuffer.wrap(bytes))), "heap buffer, response " + i);
        }
    }

    @Test
    void decodesEncodingsProtobufJavaDoesNotWrite() throws IOException {
        // Rows before the view name, an unknown field (99), an unpacked int64 list, a list
        // split over packed runs and unpacked elements, and a Value holding two kinds (the
        // last wins). The same bytes as examples/read_reader_test.c.
        byte[] msg = {
            0x0A, 0x2A, 0x1A, 0x1F,
            0x1A, 0x08, 0x72, 0x06, 0x08, 0x05, 0x08, 0x7F, 0x0A, 0x00,
            0x1A, 0x0B, 0x72, 0x09, 0x0A, 0x02, 0x01, 0x02, 0x0A, 0x01, 0x03, 0x08, 0x04,
            0x1A, 0x04, 0x20, 0x07, 0x18, 0x01,
            0x08, 0x01,
            0x0A, 0x01, 0x76,
            (byte) 0x98, 0x06, 0x2A,
            0x12, 0x01, 0x66,
        };
        List<ViewValues> got = decodeDirect(msg);
        assertEquals(ReadResponseReaderTestSupport.render(ReadResponseReaderTestSupport.reference(ReadResponse.parseFrom(msg))), ReadResponseReaderTestSupport.render(got));
        ViewValues.Row row = got.get(0).rows().get(0);
        assertEquals("v", got.get(0).featureView());
        assertEquals(List.of("f"), got.get(0).featureNames());
        assertTrue(Arrays.equals(new long[] {5, 127}, (long[]) row.value(0)));
        assertTrue(Arrays.equals(new long[] {1, 2, 3, 4}, (long[]) row.value(1)));
        assertEquals(1, row.value(2));
        assertEquals(null, row.eventTimestamp());
    }

    @Test
    void benchmarkRowsDecodeToTheirValues() throws IOException {
        ReadResponse response = canned(BenchData.NARROW.getFeaturesCount(), 3);
        ViewValues.Row row = decodeDirect(response.toByteArray()).get(0).rows().get(2);
        assertEquals(Instant.ofEpochSecond(BenchData.EPOCH_2024 + 2), row.eventTimestamp());
        for (int f = 0; f < 10; f++) {
            Object want = ReadResponseReaderTestSupport.expected(BenchData.narrowValue(2, f));
            assertEquals(want, row.value(f), "feature " + f);
        }
    }

    @Test
    void malformedInputThrowsIOExceptionOnly() throws IOException {
        byte[][] bad = {
            {(byte) 0x80},
            {0x0A, 0x05, 0x00},
            {0x0A, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01},
            {0x08, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01},
            {0x02, 0x00},
            {0x0B, 0x0C},
            {0x08, 0x01},
            {0x0A, 0x06, 0x1A, 0x04, 0x1A, 0x02, 0x29, 0x00},
            {0x0A, 0x06, 0x1A, 0x04, 0x1A, 0x02, 0x2A, 0x00},
            {0x0A, 0x06, 0x1A, 0x04, 0x12, 0x02, 0x0A, 0x00},
            {0x0A, 0x07, 0x1A, 0x05, 0x1A, 0x03, 0x7A, 0x01, 0x00}, // double list: packed run of 1 byte
        };
        for (byte[] b : bad) {
            assertThrows(IOException.class, () -> decodeDirect(b), Arrays.toString(b));
        }
        Random r = new Random(7);
        int refused = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] good = randomResponse(r).toByteArray();
            for (int m = 0; m < 20; m++) {
                byte[] b = mutate(good, r);
                try {
                    decodeDirect(b);
                } catch (IOException e) {
                    refused++;
                } catch (RuntimeException e) {
                    fail("mutated input " + Arrays.toString(b) + " threw " + e, e);
                }
            }
        }
        assertTrue(refused > 1000, "mutations mostly refused: " + refused);
    }

    private static byte[] mutate(byte[] good, Random r) {
        byte[] b = good.clone();
        for (int k = 1 + r.nextInt(3); k > 0 && b.length > 0; k--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b = Arrays.copyOf(b, at);
                case 2 -> b[at] = (byte) (r.nextBoolean() ? 0xFF : 0x7F);
                default -> b[at] = (byte) r.nextInt();
            }
        }
        return b;
    }

    // ---- allocations ----

    /** A response of {@code batch} rows of NARROW (10 features) or WIDE (100). */
    static ReadResponse canned(int features, int batch) {
        boolean wide = features == BenchData.WIDE.getFeaturesCount();
        ViewResult.Builder view = ViewResult.newBuilder().setFeatureView(wide ? "driver_wide" : "driver_narrow");
        for (int f = 0; f < features; f++) {
            view.addFeatureNames((wide ? BenchData.WIDE : BenchData.NARROW).getFeatures(f).getName());
        }
        for (long id = 0; id < batch; id++) {
            EntityRow.Builder row = EntityRow.newBuilder().setFound(true).setEventTimestamp(BenchData.eventTs(id));
            for (int f = 0; f < features; f++) {
                row.addValues(wide ? BenchData.wideValue(id, f) : BenchData.narrowValue(id, f));
            }
            view.addRows(row);
        }
        return ReadResponse.newBuilder().addViews(view).build();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    /**
     * Bytes allocated per decode of NARROW and WIDE batch 100, against one object per
     * value: at most 28 bytes each (a boxed Long or Double is 24 with compressed oops, plus
     * its 4-byte slot in the row's array; a String also has its byte array), plus 64 bytes
     * per row (the row and its array's header) and 8 KiB per call (feature names, lists).
     * Also prints what protobuf-java's full parse costs, for comparison.
     */
    @Test
    void allocatesAtMostOneObjectPerValue() throws IOException {
        for (int features : new int[] {10, 100}) {
            ReadResponse response = canned(features, 100);
            byte[] bytes = response.toByteArray();
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
            direct.put(bytes).flip();
            long stringArrays = 0;
            for (Value v : response.getViews(0).getRows(0).getValuesList()) {
                if (v.hasStringVal()) {
                    stringArrays += (16 + v.getStringVal().length() + 7) / 8 * 8;
                }
            }
            long values = 100L * features;
            long bound = 28 * values + 100 * stringArrays + 64 * 100 + 8192;
            long ours = perCall(() -> ReadResponseReader.decode(direct));
            long protobuf = perCall(() -> ReadResponse.parseFrom(direct.duplicate()));
            System.out.printf("ReadResponseReader, %d features x 100 rows: %d bytes/call (%.1f per value; bound %d);"
                    + " protobuf-java parse: %d bytes/call (%.1f per value)%n",
                    features, ours, (double) ours / values, bound, protobuf, (double) protobuf / values);
            assertTrue(protobuf > ours, "the direct decoder allocates less than protobuf-java");
            assertTrue(ours <= bound, features + " features: " + ours + " bytes per call > bound " + bound);
        }
    }

    @FunctionalInterface
    private interface Decode {
        Object run() throws IOException;
    }

    private static long perCall(Decode d) throws IOException {
        Object keep = null;
        for (int i = 0; i < 3000; i++) {
            keep = d.run(); // warm-up: the JIT settles before measuring
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long before = allocatedBytes();
            for (int i = 0; i < 100; i++) {
                keep = d.run();
            }
            best = Math.min(best, (allocatedBytes() - before) / 100);
        }
        if (keep == null) {
            throw new AssertionError();
        }
        return best;
    }
}
