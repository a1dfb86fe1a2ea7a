// The one-pass ReadResponse decoder agrees with the generated classes plus a
// by-bytes conversion, on responses covering every field and shape.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.TypesProto;
import feast.proto.types.ValueProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnlineReadDecoderTest {
    /** The straightforward way: generated mirror classes, then each value converted by bytes. */
    private static List<AerospikeOnlineStore.OnlineReadResult> reference(ReadResponse response) {
        List<AerospikeOnlineStore.OnlineReadResult> out = new ArrayList<>();
        for (ViewResult v : response.getViewsList()) {
            List<AerospikeOnlineStore.OnlineRow> rows = new ArrayList<>();
            for (EntityRow r : v.getRowsList()) {
                if (!r.getFound()) {
                    rows.add(AerospikeOnlineStore.OnlineRow.NOT_FOUND);
                    continue;
                }
                Map<String, ValueProto.Value> features = new LinkedHashMap<>();
                for (int i = 0; i < r.getValuesCount() && i < v.getFeatureNamesCount(); i++) {
                    features.put(v.getFeatureNames(i), FeastTypes.toFeast(r.getValues(i)));
                }
                Instant ts = r.hasEventTimestamp() ? FeastTypes.toInstant(r.getEventTimestamp()) : null;
                rows.add(new AerospikeOnlineStore.OnlineRow(true, ts, features));
            }
            out.add(new AerospikeOnlineStore.OnlineReadResult(v.getFeatureView(), v.getFeatureNamesList(), rows));
        }
        return out;
    }

    private static List<AerospikeOnlineStore.OnlineReadResult> decode(ReadResponse response) throws IOException {
        return OnlineReadDecoder.decode(ByteBuffer.wrap(response.toByteArray()));
    }

    @Test
    void agreesWithTheGeneratedClassesOnEveryShape() throws IOException {
        EntityRow narrow = EntityRow.newBuilder().setFound(true).setEventTimestamp(BenchData.eventTs(3))
                .addAllValues(List.of(BenchData.narrowValue(3, 0), BenchData.narrowValue(3, 6),
                        BenchData.narrowValue(3, 8), BenchData.narrowValue(3, 9)))
                .build();
        EntityRow unsetAndMap = EntityRow.newBuilder().setFound(true)
                .setEventTimestamp(Timestamp.newBuilder().setSeconds(-5).setNanos(7_000_000))
                .addValues(TypesProto.Value.getDefaultInstance())
                .addValues(TypesProto.Value.newBuilder().setMapVal(TypesProto.Map.newBuilder()
                        .putVal("k", TypesProto.Value.newBuilder().setInt32Val(1).build())))
                .addValues(TypesProto.Value.newBuilder().setDoubleListVal(TypesProto.DoubleList.newBuilder().addVal(2.5)))
                .addValues(TypesProto.Value.newBuilder().setInt64Val(4))
                .build();
        EntityRow noTimestamp = EntityRow.newBuilder().setFound(true)
                .addValues(TypesProto.Value.newBuilder().setStringVal("x")).build();
        ReadResponse response = ReadResponse.newBuilder()
                .addViews(ViewResult.newBuilder().setFeatureView("a")
                        .addAllFeatureNames(List.of("i64_0", "str_0", "bool_0", "f32_0"))
                        .addRows(narrow).addRows(EntityRow.getDefaultInstance()).addRows(narrow))
                .addViews(ViewResult.newBuilder().setFeatureView("b")
                        .addAllFeatureNames(List.of("unset", "m", "l", "extra_name_without_value", "z"))
                        .addRows(unsetAndMap).addRows(noTimestamp))
                .addViews(ViewResult.newBuilder().setFeatureView("empty"))
                .build();
        assertEquals(reference(response), decode(response));
        assertEquals(Instant.ofEpochSecond(-5, 7_000_000), decode(response).get(1).rows().get(0).eventTimestamp());
    }

    @Test
    void rowsBeforeFeatureNamesAndUnknownFieldsAreHandled() throws IOException {
        ViewResult view = ViewResult.newBuilder().setFeatureView("v").addFeatureNames("f")
                .addRows(EntityRow.newBuilder().setFound(true).addValues(TypesProto.Value.newBuilder().setBoolVal(true)))
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(5).build()).build())
                .build();
        // Same content with the rows field written first: the decoder must not assume order.
        byte[] rowsFirst = concat(
                ViewResult.newBuilder().addRows(view.getRows(0)).build().toByteArray(),
                ViewResult.newBuilder().setFeatureView("v").addFeatureNames("f").build().toByteArray());
        ReadResponse reordered = ReadResponse.newBuilder().addViews(ViewResult.parseFrom(rowsFirst)).build();
        byte[] wire = concat(new byte[] {0x0a, (byte) rowsFirst.length}, rowsFirst);
        assertEquals(reference(reordered), OnlineReadDecoder.decode(ByteBuffer.wrap(wire)));
        ReadResponse withUnknown = ReadResponse.newBuilder().addViews(view).build();
        assertEquals(reference(withUnknown), decode(withUnknown));
    }

    @Test
    void emptyAndTruncatedInput() throws IOException {
        assertEquals(List.of(), OnlineReadDecoder.decode(ByteBuffer.allocate(0)));
        byte[] good = ReadResponse.newBuilder().addViews(ViewResult.newBuilder().setFeatureView("abc")).build().toByteArray();
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertThrows(IOException.class, () -> OnlineReadDecoder.decode(ByteBuffer.wrap(truncated)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
