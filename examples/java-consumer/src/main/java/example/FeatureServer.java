// A Java service using feast-aerospike from its jar alone: writes one row and
// reads it back, printing which native call path this JDK took.
package example;

import dev.feastaerospike.AerospikeOnlineStore;
import dev.feastaerospike.proto.StoreProto.Feature;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import dev.feastaerospike.proto.TypesProto.EntityKey;
import dev.feastaerospike.proto.TypesProto.Value;
import dev.feastaerospike.proto.TypesProto.ValueType;
import com.google.protobuf.Timestamp;

public final class FeatureServer {
    private FeatureServer() {}

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        try (AerospikeOnlineStore store = AerospikeOnlineStore.builder()
                .project("java_consumer")
                .host("127.0.0.1", port)
                .open()) {
            EntityKey driver = EntityKey.newBuilder().addJoinKeys("driver_id")
                    .addEntityValues(Value.newBuilder().setInt64Val(7)).build();
            FeatureView view = FeatureView.newBuilder().setName("driver_stats")
                    .addFeatures(Feature.newBuilder().setName("trips").setValueType(ValueType.Enum.INT64)).build();
            store.writeBatch(WriteBatchRequest.newBuilder().setFeatureView(view)
                    .addRows(WriteRow.newBuilder().setEntityKey(driver)
                            .putValues("trips", Value.newBuilder().setInt64Val(42).build())
                            .setEventTimestamp(Timestamp.newBuilder().setSeconds(1704067200)))
                    .build());
            ReadResponse read = store.read(ReadRequest.newBuilder().addEntityKeys(driver)
                    .addViews(ViewRead.newBuilder().setFeatureView(view).addRequestedFeatures("trips"))
                    .build());
            long trips = read.getViews(0).getRows(0).getValues(0).getInt64Val();
            if (trips != 42) {
                throw new IllegalStateException("read back trips=" + trips + ", want 42");
            }
            System.out.println("JDK " + Runtime.version().feature() + " via "
                    + AerospikeOnlineStore.nativeBackend() + ", library " + AerospikeOnlineStore.nativeVersion()
                    + ": driver 7 trips = " + trips);
        }
    }
}
