// The Java form of Feast's `prewriting_hook` (AerospikeOnlineStoreConfig): a
// function applied to every batch of rows before it is written.
package dev.feastaerospike;

import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import java.util.List;

/**
 * Transforms every batch of rows before it is written, for cross-cutting concerns
 * such as PII masking, value coercion or dual-write fan-out. Like Feast's Python
 * hook, it returns rows of the same shape; an empty list writes nothing. An exception
 * thrown by the hook fails the whole batch before anything is written. Row indices in
 * a {@link WriteBatchException} refer to the list the hook returned.
 */
@FunctionalInterface
public interface PrewritingHook {
    List<WriteRow> apply(FeatureView featureView, List<WriteRow> rows);
}
