// Micrometer binding of a store's metrics. Optional: micrometer-core is an
// optional dependency of this jar, needed only by applications that use this class.
package dev.feastaerospike.micrometer;

import dev.feastaerospike.AerospikeOnlineStore;
import dev.feastaerospike.Status;
import dev.feastaerospike.proto.StoreProto.MetricsSnapshot;
import dev.feastaerospike.proto.StoreProto.OperationMetrics;
import dev.feastaerospike.proto.StoreProto.ResultCodeCount;
import dev.feastaerospike.proto.StoreProto.StatusCount;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A Micrometer {@link MeterBinder} over one store's metrics:
 * {@code new FeastAerospikeMetrics(store).bindTo(registry)}.
 *
 * <p>Meters (all function meters reading one library snapshot, taken at most once per
 * {@code maxAgeMillis}): {@code feast.aerospike.operation} (a FunctionTimer per
 * operation), {@code feast.aerospike.operation.items}, {@code feast.aerospike.operation.errors}
 * (tag {@code status}), {@code feast.aerospike.operation.latency.bucket} (cumulative, tag
 * {@code le} in seconds), {@code feast.aerospike.write.rows} (tag {@code outcome}:
 * written, skipped_stale), {@code feast.aerospike.write.row.failures} (tag
 * {@code result_code}, codes seen when bound and the common ones) and
 * {@code feast.aerospike.read.rows} (tag {@code found}). A closed store reads as zeros.
 */
public final class FeastAerospikeMetrics implements MeterBinder {
    /** Result codes always bound: client side, server error, timeout, record too big, device overload, filtered out. */
    private static final int[] COMMON_RESULT_CODES = {-1, 1, 9, 13, 18, 27};

    private final Supplier<MetricsSnapshot> source;
    private final long maxAgeNanos;
    private final Iterable<io.micrometer.core.instrument.Tag> tags;
    private MetricsSnapshot cached;
    private long takenAt;

    public FeastAerospikeMetrics(AerospikeOnlineStore store) {
        this(store, Tags.empty(), 1000);
    }

    /** {@code tags} are added to every meter; snapshots are reused for up to {@code maxAgeMillis}. */
    public FeastAerospikeMetrics(AerospikeOnlineStore store, Iterable<io.micrometer.core.instrument.Tag> tags,
            long maxAgeMillis) {
        this.source = () -> store.isClosed() ? MetricsSnapshot.getDefaultInstance() : store.metrics();
        this.tags = tags;
        this.maxAgeNanos = TimeUnit.MILLISECONDS.toNanos(maxAgeMillis);
    }

    synchronized MetricsSnapshot snapshot() {
        long now = System.nanoTime();
        if (cached == null || now - takenAt >= maxAgeNanos) {
            try {
                cached = source.get();
            } catch (RuntimeException closedMeanwhile) {
                cached = MetricsSnapshot.getDefaultInstance();
            }
            takenAt = now;
        }
        return cached;
    }

    private OperationMetrics op(String name) {
        for (OperationMetrics o : snapshot().getOperationsList()) {
            if (o.getOperation().equals(name)) {
                return o;
            }
        }
        return OperationMetrics.getDefaultInstance();
    }

    private void counter(MeterRegistry r, String name, Tags t, ToLongFunction<FeastAerospikeMetrics> f) {
        FunctionCounter.builder(name, this, m -> (double) f.applyAsLong(m)).tags(t).register(r);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MetricsSnapshot first = snapshot();
        Tags base = Tags.of(tags);
        List<Long> bounds = first.getLatencyBoundsUsList();
        for (String name : List.of("write_batch", "read", "update", "teardown")) {
            Tags t = base.and("operation", name);
            FunctionTimer.builder("feast.aerospike.operation", this,
                            m -> m.op(name).getCalls(), m -> m.op(name).getLatencySumUs(), TimeUnit.MICROSECONDS)
                    .tags(t).register(registry);
            counter(registry, "feast.aerospike.operation.items", t, m -> m.op(name).getItems());
            for (Status s : Status.values()) {
                if (s == Status.OK || s == Status.PANIC) {
                    continue;
                }
                counter(registry, "feast.aerospike.operation.errors",
                        t.and("status", s.name().toLowerCase(Locale.ROOT)), m -> errors(m.op(name), s.code()));
            }
            for (int i = 0; i < bounds.size(); i++) {
                int bucket = i;
                counter(registry, "feast.aerospike.operation.latency.bucket",
                        t.and("le", Double.toString(bounds.get(i) / 1e6)),
                        m -> m.op(name).getLatencyBucketsCount() > bucket ? m.op(name).getLatencyBuckets(bucket) : 0);
            }
        }
        counter(registry, "feast.aerospike.write.rows", base.and("outcome", "written"), m -> m.snapshot().getRowsWritten());
        counter(registry, "feast.aerospike.write.rows", base.and("outcome", "skipped_stale"),
                m -> m.snapshot().getRowsSkippedStale());
        java.util.Set<Integer> codes = new java.util.TreeSet<>();
        for (int c : COMMON_RESULT_CODES) {
            codes.add(c);
        }
        for (ResultCodeCount c : first.getRowFailuresList()) {
            codes.add(c.getResultCode());
        }
        for (int code : codes) {
            counter(registry, "feast.aerospike.write.row.failures", base.and("result_code", Integer.toString(code)),
                    m -> failures(m.snapshot(), code));
        }
        counter(registry, "feast.aerospike.read.rows", base.and("found", "true"), m -> m.snapshot().getReadFound());
        counter(registry, "feast.aerospike.read.rows", base.and("found", "false"), m -> m.snapshot().getReadNotFound());
    }

    private static long errors(OperationMetrics o, int status) {
        for (StatusCount c : o.getErrorsList()) {
            if (c.getStatus() == status) {
                return c.getCount();
            }
        }
        return 0;
    }

    private static long failures(MetricsSnapshot s, int code) {
        for (ResultCodeCount c : s.getRowFailuresList()) {
            if (c.getResultCode() == code) {
                return c.getCount();
            }
        }
        return 0;
    }
}
