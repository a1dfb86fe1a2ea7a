// What ReadResponseReader must produce, derived from protobuf-java's parse, and a
// rendering that compares arrays by content; shared by the reader's tests.
package dev.feastaerospike;

import com.google.protobuf.ByteString;
import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.TypesProto.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

final class ReadResponseReaderTestSupport {
    private ReadResponseReaderTestSupport() {}

    static Object expected(Value v) {
        return switch (v.getValCase()) {
            case VAL_NOT_SET, NULL_VAL -> null;
            case BYTES_VAL -> v.getBytesVal().toByteArray();
            case STRING_VAL -> v.getStringVal();
            case JSON_VAL -> v.getJsonVal();
            case UUID_VAL -> v.getUuidVal();
            case TIME_UUID_VAL -> v.getTimeUuidVal();
            case DECIMAL_VAL -> v.getDecimalVal();
            case INT32_VAL -> v.getInt32Val();
            case INT64_VAL -> v.getInt64Val();
            case UNIX_TIMESTAMP_VAL -> v.getUnixTimestampVal();
            case DOUBLE_VAL -> v.getDoubleVal();
            case FLOAT_VAL -> v.getFloatVal();
            case BOOL_VAL -> v.getBoolVal();
            case INT32_LIST_VAL -> v.getInt32ListVal().getValList().stream().mapToInt(Integer::intValue).toArray();
            case INT32_SET_VAL -> v.getInt32SetVal().getValList().stream().mapToInt(Integer::intValue).toArray();
            case INT64_LIST_VAL -> v.getInt64ListVal().getValList().stream().mapToLong(Long::longValue).toArray();
            case INT64_SET_VAL -> v.getInt64SetVal().getValList().stream().mapToLong(Long::longValue).toArray();
            case UNIX_TIMESTAMP_LIST_VAL ->
                    v.getUnixTimestampListVal().getValList().stream().mapToLong(Long::longValue).toArray();
            case DOUBLE_LIST_VAL -> v.getDoubleListVal().getValList().stream().mapToDouble(Double::doubleValue).toArray();
            case FLOAT_LIST_VAL -> {
                List<Float> l = v.getFloatListVal().getValList();
                float[] out = new float[l.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = l.get(i);
                }
                yield out;
            }
            case BOOL_LIST_VAL -> {
                List<Boolean> l = v.getBoolListVal().getValList();
                boolean[] out = new boolean[l.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = l.get(i);
                }
                yield out;
            }
            case STRING_LIST_VAL -> List.copyOf(v.getStringListVal().getValList());
            case STRING_SET_VAL -> List.copyOf(v.getStringSetVal().getValList());
            case JSON_LIST_VAL -> List.copyOf(v.getJsonListVal().getValList());
            case UUID_LIST_VAL -> List.copyOf(v.getUuidListVal().getValList());
            case DECIMAL_SET_VAL -> List.copyOf(v.getDecimalSetVal().getValList());
            case BYTES_LIST_VAL -> v.getBytesListVal().getValList().stream().map(ByteString::toByteArray).toList();
            default -> v; // maps, structs, value lists: the message itself
        };
    }

    static List<ViewValues> reference(ReadResponse response) {
        List<ViewValues> out = new ArrayList<>();
        for (ViewResult v : response.getViewsList()) {
            List<ViewValues.Row> rows = new ArrayList<>();
            for (EntityRow r : v.getRowsList()) {
                Object[] values = r.getValuesList().stream().map(ReadResponseReaderTestSupport::expected).toArray();
                rows.add(new ViewValues.Row(r.getFound(), r.hasEventTimestamp(), r.getEventTimestamp().getSeconds(),
                        r.getEventTimestamp().getNanos(), values));
            }
            out.add(new ViewValues(v.getFeatureView(), v.getFeatureNamesList(), rows));
        }
        return out;
    }

    /** A rendering that compares arrays and lists of arrays by content. */
    static String render(List<ViewValues> views) {
        StringBuilder s = new StringBuilder();
        for (ViewValues v : views) {
            s.append(v.featureView()).append(v.featureNames()).append('\n');
            for (ViewValues.Row r : v.rows()) {
                s.append(r.found()).append(' ').append(r.hasEventTimestamp()).append(' ')
                        .append(r.eventEpochSecond()).append('.').append(r.eventNano());
                for (Object o : r.values()) {
                    s.append(" | ").append(o == null ? "null" : o instanceof List ? "List" : o.getClass().getSimpleName())
                            .append(':');
                    if (o instanceof List<?> l) {
                        for (Object e : l) {
                            s.append(e instanceof byte[] b ? Arrays.toString(b) : e).append(',');
                        }
                    } else {
                        s.append(Arrays.deepToString(new Object[] {o}));
                    }
                }
                s.append('\n');
            }
        }
        return s.toString();
    }

}
