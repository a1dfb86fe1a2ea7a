// Feast's published Java types and our mirrors convert by bytes without loss,
// including kinds newer than the published feast-datatypes knows.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.feastaerospike.proto.TypesProto;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeastTypesTest {
    private static List<ValueProto.Value> feastValues() {
        return List.of(
                ValueProto.Value.newBuilder().setBytesVal(ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff})).build(),
                ValueProto.Value.newBuilder().setStringVal("héllo").build(),
                ValueProto.Value.newBuilder().setInt32Val(-7).build(),
                ValueProto.Value.newBuilder().setInt64Val(Long.MIN_VALUE).build(),
                ValueProto.Value.newBuilder().setDoubleVal(4.91).build(),
                ValueProto.Value.newBuilder().setFloatVal(0.1f).build(),
                ValueProto.Value.newBuilder().setBoolVal(true).build(),
                ValueProto.Value.newBuilder().setUnixTimestampVal(1_704_067_200L).build(),
                ValueProto.Value.newBuilder().setStringListVal(
                        ValueProto.StringList.newBuilder().addVal("a").addVal("")).build(),
                ValueProto.Value.newBuilder().setDoubleListVal(
                        ValueProto.DoubleList.newBuilder().addVal(1.5).addVal(-0.0)).build(),
                ValueProto.Value.newBuilder().setUnixTimestampListVal(
                        ValueProto.Int64List.newBuilder().addVal(1).addVal(2)).build(),
                ValueProto.Value.newBuilder().setNullVal(ValueProto.Null.NULL).build(),
                ValueProto.Value.getDefaultInstance());
    }

    @Test
    void everyFeastValueKindSurvivesTheMirror() {
        for (ValueProto.Value v : feastValues()) {
            TypesProto.Value mirror = FeastTypes.toMirror(v);
            assertEquals(v.getValCase().getNumber(), mirror.getValCase().getNumber(), v.toString());
            assertEquals(v, FeastTypes.toFeast(mirror));
        }
        assertEquals(-7, FeastTypes.toMirror(feastValues().get(2)).getInt32Val());
        assertEquals("héllo", FeastTypes.toMirror(feastValues().get(1)).getStringVal());
    }

    @Test
    void newerKindsPassThroughFeastTypesAsUnknownFields() {
        TypesProto.Value map = TypesProto.Value.newBuilder().setMapVal(TypesProto.Map.newBuilder()
                .putVal("k", TypesProto.Value.newBuilder().setJsonVal("{\"a\":1}").build())).build();
        ValueProto.Value asFeast = FeastTypes.toFeast(map);
        assertEquals(ValueProto.Value.ValCase.VAL_NOT_SET, asFeast.getValCase());
        assertEquals(map, FeastTypes.toMirror(asFeast));
    }

    @Test
    void entityKeysConvertBothWays() {
        EntityKeyProto.EntityKey key = EntityKeyProto.EntityKey.newBuilder()
                .addJoinKeys("driver_id").addJoinKeys("customer_id")
                .addEntityValues(ValueProto.Value.newBuilder().setInt64Val(1))
                .addEntityValues(ValueProto.Value.newBuilder().setStringVal("5"))
                .build();
        TypesProto.EntityKey mirror = FeastTypes.toMirror(key);
        assertEquals(List.of("driver_id", "customer_id"), mirror.getJoinKeysList());
        assertEquals(1L, mirror.getEntityValues(0).getInt64Val());
        assertEquals(key, FeastTypes.toFeast(mirror));
    }

    @Test
    void timestampsKeepNanoseconds() {
        Instant t = Instant.parse("2024-01-01T00:00:01.123456789Z");
        assertEquals(t, FeastTypes.toInstant(FeastTypes.toTimestamp(t)));
        assertEquals(1_704_067_201L, FeastTypes.toTimestamp(t).getSeconds());
    }
}
