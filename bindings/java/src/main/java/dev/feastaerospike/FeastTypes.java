// Conversions between Feast's published Java types (feast.proto.types, from
// dev.feast:feast-datatypes) and our wire-compatible mirrors in
// dev.feastaerospike.proto. Same field numbers, so conversion is by bytes.
package dev.feastaerospike;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.feastaerospike.proto.TypesProto.EntityKey;
import dev.feastaerospike.proto.TypesProto.Value;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import java.time.Instant;

/**
 * Converts between Feast's {@code feast.proto.types} messages and the binding's mirrors.
 *
 * <p>The newest {@code feast-datatypes} on Maven Central is 0.38, whose {@code Value}
 * knows the kinds up to {@code null_val} (19). Kinds added later (maps, JSON, sets, UUID,
 * decimal, ...) survive a round trip through it as unknown fields but cannot be read
 * from it: use the mirror {@link Value} for those.
 */
public final class FeastTypes {
    private FeastTypes() {}

    /** Feast's value as the binding's mirror. */
    public static Value toMirror(ValueProto.Value value) {
        try {
            return Value.parseFrom(value.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw mismatch("feast.types.Value", e);
        }
    }

    /** The binding's mirror value as Feast's. */
    public static ValueProto.Value toFeast(Value value) {
        try {
            return ValueProto.Value.parseFrom(value.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw mismatch("feast_aerospike.v1.Value", e);
        }
    }

    /** Feast's entity key as the binding's mirror. */
    public static EntityKey toMirror(EntityKeyProto.EntityKey key) {
        try {
            return EntityKey.parseFrom(key.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw mismatch("feast.types.EntityKey", e);
        }
    }

    /** The binding's mirror entity key as Feast's. */
    public static EntityKeyProto.EntityKey toFeast(EntityKey key) {
        try {
            return EntityKeyProto.EntityKey.parseFrom(key.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw mismatch("feast_aerospike.v1.EntityKey", e);
        }
    }

    public static Timestamp toTimestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    public static Instant toInstant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    // Both sides are generated from the same field numbers, so this means the
    // two schemas drifted apart: a bug, not bad input.
    private static InternalException mismatch(String from, InvalidProtocolBufferException e) {
        return new InternalException(FeastAerospikeException.NO_RESULT_CODE,
                "cannot convert " + from + " by bytes (schemas out of step?): " + e.getMessage());
    }
}
