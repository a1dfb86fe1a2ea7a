// Event-time-safe writes and the metrics snapshot through the Java binding, and
// the optional Micrometer binder over them.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.feastaerospike.micrometer.FeastAerospikeMetrics;
import dev.feastaerospike.proto.StoreProto.MetricsSnapshot;
import dev.feastaerospike.proto.StoreProto.OperationMetrics;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MetricsAndEventTimeTest {
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

    private static WriteBatchRequest rows(long eventSeconds, long... ids) {
        WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(BenchData.NARROW);
        for (long id : ids) {
            WriteRow row = BenchData.row(BenchData.NARROW, id);
            b.addRows(row.toBuilder().setEventTimestamp(Timestamp.newBuilder().setSeconds(eventSeconds)));
        }
        return b.build();
    }

    @Test
    void olderRowsAreSkippedAndCounted() {
        try (AerospikeOnlineStore store = server.config("j_event_time").eventTimeSafeWrites(true).open()) {
            WriteBatchResponse first = store.writeBatch(rows(2000, 1, 2));
            assertEquals(2, first.getRowsWritten());
            // Entity 1 older (skipped), entity 2 equal (written), entity 3 new (written).
            WriteBatchResponse second = store.writeBatch(rows(1000, 1).toBuilder()
                    .addAllRows(rows(2000, 2).getRowsList()).addAllRows(rows(5, 3).getRowsList()).build());
            assertEquals(2, second.getRowsWritten());
            assertEquals(List.of(0), second.getSkippedStaleRowsList());
            var read = store.read(ReadRequest.newBuilder().addEntityKeys(BenchData.key(1))
                    .addViews(ViewRead.newBuilder().setFeatureView(BenchData.NARROW)).build());
            assertEquals(2000, read.getViews(0).getRows(0).getEventTimestamp().getSeconds());

            MetricsSnapshot m = store.metrics();
            assertEquals(4, m.getRowsWritten());
            assertEquals(1, m.getRowsSkippedStale());
            OperationMetrics w = m.getOperations(0);
            assertEquals("write_batch", w.getOperation());
            assertEquals(2, w.getCalls());
            assertEquals(5, w.getItems());
            assertEquals(2, w.getLatencyCount());
            assertEquals(m.getLatencyBoundsUsCount(), w.getLatencyBucketsCount());

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new FeastAerospikeMetrics(store, List.of(), 0).bindTo(registry);
            FunctionTimer t = registry.get("feast.aerospike.operation").tag("operation", "write_batch").functionTimer();
            assertEquals(2, t.count());
            assertTrue(t.totalTime(TimeUnit.MICROSECONDS) > 0);
            assertEquals(1, registry.get("feast.aerospike.write.rows").tag("outcome", "skipped_stale")
                    .functionCounter().count());
            assertEquals(1, registry.get("feast.aerospike.operation.items").tag("operation", "read")
                    .functionCounter().count());
            assertEquals(0, registry.get("feast.aerospike.operation.errors").tag("operation", "read")
                    .tag("status", "timeout").functionCounter().count());
            assertEquals(1, registry.get("feast.aerospike.read.rows").tag("found", "true").functionCounter().count());
            double inf = registry.get("feast.aerospike.operation.latency.bucket").tag("operation", "read")
                    .tag("le", "10.0").functionCounter().count();
            assertEquals(1, inf);
        }
    }
}
