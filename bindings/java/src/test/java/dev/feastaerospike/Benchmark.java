// The NARROW/WIDE benchmark of docs/benchmark-workload.md through the Java binding.
// Plain main, run by bindings/java/bench.sh; by default against the test
// server (a test double, not Aerospike), or --host HOST:PORT for a real cluster.
package dev.feastaerospike;

import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import feast.proto.types.EntityKeyProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public final class Benchmark {
    private static final int WRITE_CHUNK = 1000;

    private Benchmark() {}

    public static void main(String[] args) throws Exception {
        long n = 100_000;
        int runs = 3;
        String host = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--n" -> n = Long.parseLong(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                default -> throw new IllegalArgumentException("usage: Benchmark [--n N] [--runs R] [--host HOST:PORT]");
            }
        }
        TestServer server = null;
        String target;
        int port;
        if (host == null) {
            server = TestServer.start();
            target = "127.0.0.1";
            port = server.port();
            System.out.println("server: feast-aerospike test server (a test double, NOT Aerospike) on port " + port);
        } else {
            target = host.substring(0, host.lastIndexOf(':'));
            port = Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
            System.out.println("server: " + host);
        }
        System.out.printf(Locale.ROOT, "java %s, native library %s, N=%d, runs=%d%n",
                System.getProperty("java.version"), AerospikeOnlineStore.nativeVersion(), n, runs);
        // Generous batch timeouts: on a loaded 2-core machine a 1000-row call can
        // exceed the 2 s default, and a benchmark should measure, not fail.
        try (AerospikeOnlineStore store = OnlineStoreConfig.builder().project("bench").host(target, port)
                .batchTotalTimeoutMs(30_000).writeTimeoutMs(30_000).open()) {
            run(store, n, runs);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void run(AerospikeOnlineStore store, long n, int runs) throws Exception {
        System.out.println();
        System.out.println("| measurement | result (median of runs) | spread (min–max) |");
        System.out.println("|---|---|---|");
        for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
            double[] rates = new double[runs];
            for (int r = 0; r < runs; r++) {
                // Rows are generated per call, outside the timed span: WIDE's 10M
                // values do not fit in memory at once, and generating them is not
                // what is measured.
                long busy = 0;
                for (long from = 0; from < n; from += WRITE_CHUNK) {
                    WriteBatchRequest chunk = chunk(view, from, Math.min(n, from + WRITE_CHUNK));
                    long start = System.nanoTime();
                    store.writeBatch(chunk);
                    busy += System.nanoTime() - start;
                }
                rates[r] = n / (busy / 1e9);
            }
            row("write " + name(view) + ", 1000 rows/call, 1 caller", rates, "rows/s");
        }
        {
            List<WriteBatchRequest> chunks = writeChunks(BenchData.NARROW, n);
            double[] rates = new double[runs];
            for (int r = 0; r < runs; r++) {
                rates[r] = n / (concurrentWrites(store, chunks, 4) / 1e9);
            }
            row("write NARROW, 1000 rows/call, 4 callers", rates, "rows/s");
        }

        long seed = 1;
        for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
            for (int batch : new int[] {1, 10, 100, 1000}) {
                int timed = batch == 1000 ? 50 : 200;
                ViewRead read = ViewRead.newBuilder().setFeatureView(view).build();
                latency(store, "read " + name(view) + ", batch " + batch, view, read, batch, timed, n, runs, seed++);
            }
        }
        ViewRead projected = ViewRead.newBuilder().setFeatureView(BenchData.WIDE)
                .addAllRequestedFeatures(List.of("w003", "w017", "w042", "w068", "w091")).build();
        latency(store, "read WIDE projected 5, batch 100", BenchData.WIDE, projected, 100, 200, n, runs, seed++);
        feastTypedLatency(store, n, runs, seed++);
        missingKeys(store, n, seed);
    }

    private static List<WriteBatchRequest> writeChunks(FeatureView view, long n) {
        List<WriteBatchRequest> chunks = new ArrayList<>();
        for (long from = 0; from < n; from += WRITE_CHUNK) {
            chunks.add(chunk(view, from, Math.min(n, from + WRITE_CHUNK)));
        }
        return chunks;
    }

    private static WriteBatchRequest chunk(FeatureView view, long from, long to) {
        WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
        for (long id = from; id < to; id++) {
            b.addRows(BenchData.row(view, id));
        }
        return b.build();
    }

    private static long concurrentWrites(AerospikeOnlineStore store, List<WriteBatchRequest> chunks, int callers)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int first = c;
                done.add(pool.submit(() -> {
                    for (int i = first; i < chunks.size(); i += callers) {
                        store.writeBatch(chunks.get(i));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return System.nanoTime() - start;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One read case through {@code read} (protobuf-java parses the whole response) and
     * {@code readValues} (ReadResponseReader, one object per value), interleaved call by
     * call in alternating order on the same batches, with bytes allocated per call on the
     * calling thread.
     */
    private static void latency(AerospikeOnlineStore store, String label, FeatureView view, ViewRead read,
            int batch, int timed, long n, int runs, long seed) {
        String[] paths = {"read (protobuf-java parse)", "readValues (direct decoder)"};
        double[][] p50 = new double[2][runs];
        double[][] p90 = new double[2][runs];
        double[][] p99 = new double[2][runs];
        double[][] rate = new double[2][runs];
        double[][] bytes = new double[2][runs];
        BenchData.Ids ids = new BenchData.Ids(seed);
        for (int r = 0; r < runs; r++) {
            long[][] nanos = new long[2][timed];
            long[] allocated = new long[2];
            for (int i = 0; i < 10 + timed; i++) {
                ReadRequest req = request(ids.batch(batch, n, 0), read);
                for (int k = 0; k < 2; k++) {
                    int path = (i + k) % 2;
                    long bytesBefore = allocatedBytes();
                    long start = System.nanoTime();
                    boolean lastFound = path == 0
                            ? store.read(req).getViews(0).getRows(batch - 1).getFound()
                            : store.readValues(req).get(0).rows().get(batch - 1).found();
                    long elapsed = System.nanoTime() - start;
                    long used = allocatedBytes() - bytesBefore;
                    if (!lastFound) {
                        throw new AssertionError(label + ": an existing entity came back missing");
                    }
                    if (i >= 10) {
                        nanos[path][i - 10] = elapsed;
                        allocated[path] += used;
                    }
                }
            }
            for (int path = 0; path < 2; path++) {
                Arrays.sort(nanos[path]);
                p50[path][r] = pct(nanos[path], 0.50);
                p90[path][r] = pct(nanos[path], 0.90);
                p99[path][r] = pct(nanos[path], 0.99);
                rate[path][r] = batch * timed / (Arrays.stream(nanos[path]).sum() / 1e9);
                bytes[path][r] = (double) allocated[path] / timed;
            }
        }
        for (int path = 0; path < 2; path++) {
            System.out.printf(Locale.ROOT,
                    "| %s, %s | p50 %s, p90 %s, p99 %s ms; %s entities/s; %s bytes allocated/call | p50 %s–%s ms |%n",
                    label, paths[path], ms(median(p50[path])), ms(median(p90[path])), ms(median(p99[path])),
                    count(median(rate[path])), count(median(bytes[path])),
                    ms(Arrays.stream(p50[path]).min().orElseThrow()), ms(Arrays.stream(p50[path]).max().orElseThrow()));
        }
    }

    /** Bytes this thread has allocated so far (HotSpot's per-thread counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    /** The same WIDE batch-100 read through onlineRead, i.e. with conversion to Feast's Java types. */
    private static void feastTypedLatency(AerospikeOnlineStore store, long n, int runs, long seed) {
        double[] p50 = new double[runs];
        BenchData.Ids ids = new BenchData.Ids(seed);
        List<ViewRead> views = List.of(ViewRead.newBuilder().setFeatureView(BenchData.WIDE).build());
        for (int r = 0; r < runs; r++) {
            long[] nanos = new long[200];
            for (int i = 0; i < 210; i++) {
                List<EntityKeyProto.EntityKey> keys = new ArrayList<>();
                for (long id : ids.batch(100, n, 0)) {
                    keys.add(FeastTypes.toFeast(BenchData.key(id)));
                }
                long start = System.nanoTime();
                var result = store.onlineRead(keys, views);
                long elapsed = System.nanoTime() - start;
                if (!result.get(0).rows().get(99).found()) {
                    throw new AssertionError("onlineRead: an existing entity came back missing");
                }
                if (i >= 10) {
                    nanos[i - 10] = elapsed;
                }
            }
            Arrays.sort(nanos);
            p50[r] = pct(nanos, 0.50);
        }
        System.out.printf(Locale.ROOT, "| onlineRead (Feast Java types) WIDE, batch 100 | p50 %s ms | p50 %s–%s ms |%n",
                ms(median(p50)), ms(Arrays.stream(p50).min().orElseThrow()), ms(Arrays.stream(p50).max().orElseThrow()));
    }

    private static void missingKeys(AerospikeOnlineStore store, long n, long seed) {
        BenchData.Ids ids = new BenchData.Ids(seed);
        long[] present = ids.batch(50, n, 0);
        long[] absent = ids.batch(50, n, n);
        long[] batch = new long[100];
        for (int i = 0; i < 50; i++) {
            batch[2 * i] = present[i];
            batch[2 * i + 1] = absent[i];
        }
        ViewResult v = store.read(request(batch, ViewRead.newBuilder().setFeatureView(BenchData.NARROW).build()))
                .getViews(0);
        for (int i = 0; i < 100; i++) {
            if (v.getRows(i).getFound() != (i % 2 == 0)) {
                throw new AssertionError("missing-keys batch: row " + i + " (id " + batch[i] + ") wrong found flag");
            }
        }
        System.out.println("| missing keys NARROW, batch 100, every other absent | correct (50 found, 50 not) | |");
    }

    private static ReadRequest request(long[] ids, ViewRead read) {
        ReadRequest.Builder r = ReadRequest.newBuilder().addViews(read);
        for (long id : ids) {
            r.addEntityKeys(BenchData.key(id));
        }
        return r.build();
    }

    private static void row(String label, double[] values, String unit) {
        System.out.printf(Locale.ROOT, "| %s | %s %s | %s–%s |%n", label, count(median(values)), unit,
                count(Arrays.stream(values).min().orElseThrow()), count(Arrays.stream(values).max().orElseThrow()));
    }

    private static String name(FeatureView view) {
        return view.getName().equals("driver_narrow") ? "NARROW" : "WIDE";
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String count(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }
}
