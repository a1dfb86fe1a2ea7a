// The NARROW/WIDE benchmark workload of docs/benchmark-workload.md: deterministic
// feature values from splitmix64, used by the benchmark and the round-trip tests.
package dev.feastaerospike;

import com.google.protobuf.Timestamp;
import dev.feastaerospike.proto.StoreProto.Feature;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import dev.feastaerospike.proto.TypesProto.EntityKey;
import dev.feastaerospike.proto.TypesProto.Value;
import dev.feastaerospike.proto.TypesProto.ValueType;

final class BenchData {
    static final long SEED = 20240101L;
    static final long EPOCH_2024 = 1_704_067_200L;
    private static final String BASE36 = "abcdefghijklmnopqrstuvwxyz0123456789";

    static final FeatureView NARROW = narrow();
    static final FeatureView WIDE = wide();

    private BenchData() {}

    static long splitmix64(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static long h(int tag, long driverId, int featureIndex) {
        return splitmix64(SEED + ((long) tag << 40) + (driverId << 8) + featureIndex);
    }

    static double unitDouble(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }

    static String base36(long h) {
        StringBuilder s = new StringBuilder(12);
        long v = h;
        for (int i = 0; i < 12; i++) {
            s.append(BASE36.charAt((int) Long.remainderUnsigned(v, 36)));
            v = Long.divideUnsigned(v, 36);
        }
        return s.toString();
    }

    /** The NARROW value of feature {@code index} (table order of docs/benchmark-workload.md). */
    static Value narrowValue(long driverId, int index) {
        long h = h(1, driverId, index);
        return switch (index) {
            case 0 -> Value.newBuilder().setInt64Val(Long.remainderUnsigned(h, 1000)).build();
            case 1 -> Value.newBuilder().setInt64Val(h & 0xFFFF_FFFFL).build();
            case 2 -> Value.newBuilder().setInt64Val(h).build();
            case 3, 4, 5 -> Value.newBuilder().setDoubleVal(unitDouble(h)).build();
            case 6, 7 -> Value.newBuilder().setStringVal(base36(h)).build();
            case 8 -> Value.newBuilder().setBoolVal((h & 1) == 1).build();
            case 9 -> Value.newBuilder().setFloatVal((float) ((h >>> 40) * 0x1.0p-24)).build();
            default -> throw new IllegalArgumentException("narrow feature " + index);
        };
    }

    static Value wideValue(long driverId, int index) {
        return Value.newBuilder().setDoubleVal(unitDouble(h(2, driverId, index))).build();
    }

    static EntityKey key(long driverId) {
        return EntityKey.newBuilder().addJoinKeys("driver_id")
                .addEntityValues(Value.newBuilder().setInt64Val(driverId)).build();
    }

    static Timestamp eventTs(long driverId) {
        return Timestamp.newBuilder().setSeconds(EPOCH_2024 + driverId).build();
    }

    static WriteRow row(FeatureView view, long driverId) {
        boolean narrow = view.getName().equals(NARROW.getName());
        WriteRow.Builder row = WriteRow.newBuilder().setEntityKey(key(driverId))
                .setEventTimestamp(eventTs(driverId))
                .setCreatedTimestamp(Timestamp.newBuilder().setSeconds(EPOCH_2024 + driverId + 1));
        for (int i = 0; i < view.getFeaturesCount(); i++) {
            row.putValues(view.getFeatures(i).getName(), narrow ? narrowValue(driverId, i) : wideValue(driverId, i));
        }
        return row.build();
    }

    /**
     * {@link #row} written into an encoder, value by value with no protobuf object: the
     * same row (BenchDataTest and WriteBatchEncoderTest compare the two).
     */
    static void appendRow(WriteBatchEncoder batch, boolean narrow, long driverId) {
        batch.beginRow().entityKey("driver_id", driverId)
                .eventTimestamp(EPOCH_2024 + driverId, 0)
                .createdTimestamp(EPOCH_2024 + driverId + 1, 0);
        if (narrow) {
            for (int i = 0; i < 10; i++) {
                long h = h(1, driverId, i);
                switch (i) {
                    case 0 -> batch.putInt64(i, Long.remainderUnsigned(h, 1000));
                    case 1 -> batch.putInt64(i, h & 0xFFFF_FFFFL);
                    case 2 -> batch.putInt64(i, h);
                    case 3, 4, 5 -> batch.putDouble(i, unitDouble(h));
                    case 6, 7 -> batch.putString(i, base36(h));
                    case 8 -> batch.putBool(i, (h & 1) == 1);
                    default -> batch.putFloat(i, (float) ((h >>> 40) * 0x1.0p-24));
                }
            }
        } else {
            for (int i = 0; i < 100; i++) {
                batch.putDouble(i, unitDouble(h(2, driverId, i)));
            }
        }
        batch.endRow();
    }

    /** The entity-batch stream of docs/benchmark-workload.md: splitmix64 outputs mod n. */
    static final class Ids {
        private long state;

        Ids(long seed) {
            this.state = seed;
        }

        long next(long n) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return Long.remainderUnsigned(z ^ (z >>> 31), n);
        }

        /** {@code size} distinct ids in {@code [offset, offset + n)}. */
        long[] batch(int size, long n, long offset) {
            java.util.Set<Long> seen = new java.util.HashSet<>();
            long[] ids = new long[size];
            int k = 0;
            while (k < size) {
                long id = offset + next(n);
                if (seen.add(id)) {
                    ids[k++] = id;
                }
            }
            return ids;
        }
    }

    private static FeatureView narrow() {
        FeatureView.Builder v = FeatureView.newBuilder().setName("driver_narrow");
        String[] names = {"i64_0", "i64_1", "i64_2", "f64_0", "f64_1", "f64_2", "str_0", "str_1", "bool_0", "f32_0"};
        ValueType.Enum[] types = {ValueType.Enum.INT64, ValueType.Enum.INT64, ValueType.Enum.INT64,
            ValueType.Enum.DOUBLE, ValueType.Enum.DOUBLE, ValueType.Enum.DOUBLE,
            ValueType.Enum.STRING, ValueType.Enum.STRING, ValueType.Enum.BOOL, ValueType.Enum.FLOAT};
        for (int i = 0; i < names.length; i++) {
            v.addFeatures(Feature.newBuilder().setName(names[i]).setValueType(types[i]));
        }
        return v.build();
    }

    private static FeatureView wide() {
        FeatureView.Builder v = FeatureView.newBuilder().setName("driver_wide");
        for (int i = 0; i < 100; i++) {
            v.addFeatures(Feature.newBuilder().setName(String.format("w%03d", i)).setValueType(ValueType.Enum.DOUBLE));
        }
        return v.build();
    }
}
