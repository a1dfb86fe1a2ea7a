// The Java driver of scripts/bench-compare.sh. With --impl official it does
// the store's record operations through the official Aerospike Java client
// (com.aerospike:aerospike-client-jdk21): batch writes with map PUT_ITEMS /
// PUT and a plain put, batch reads of the view's submap (whole, or projected
// with GET_BY_KEY_LIST KEY_VALUE under a map-key context) on the same records
// (same key bytes and digests), converting every record into typed
// per-feature values. With --impl binding it goes through this binding (the
// full path: Panama call, Rust library), writing through WriteBatchEncoder and
// reading with a ReadRequestEncoder and readValues (plain values decoded from the native buffer);
// --impl binding-message writes WriteBatchRequest messages and reads protobuf-java
// ReadResponses instead (the message paths, for comparison).
//
// It reads commands on stdin and answers each with one JSON line (protocol
// in scripts/bench-compare.py). Allocation per call: the heap bytes all JVM
// threads allocated during the timed calls
// (com.sun.management.ThreadMXBean#getThreadAllocatedBytes, summed over live threads,
// plus what each timed worker thread allocated, which it adds as it ends), divided by
// the calls; objects are not counted, and the native library's memory is not
// Java heap.
package dev.feastaerospike;

import com.aerospike.client.AerospikeClient;
import com.aerospike.client.BatchRead;
import com.aerospike.client.BatchRecord;
import com.aerospike.client.BatchWrite;
import com.aerospike.client.Bin;
import com.aerospike.client.Host;
import com.aerospike.client.Key;
import com.aerospike.client.Operation;
import com.aerospike.client.ResultCode;
import com.aerospike.client.cdt.CTX;
import com.aerospike.client.cdt.MapOperation;
import com.aerospike.client.cdt.MapOrder;
import com.aerospike.client.cdt.MapPolicy;
import com.aerospike.client.cdt.MapReturnType;
import com.aerospike.client.cdt.MapWriteFlags;
import com.aerospike.client.policy.BatchPolicy;
import com.aerospike.client.policy.ClientPolicy;
import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.TypesProto;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

public final class CompareDriver {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int CHUNK = 1000;
    private static final int[] PROJECTED = {3, 17, 42, 68, 91};
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Heap bytes allocated so far by the live threads (JDK 17 API). */
    private static long totalAllocatedBytes() {
        long sum = 0;
        for (long b : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }

    /**
     * A timed worker thread. It is gone by the time the caller sums the live threads'
     * allocation, so it adds its own (everything it allocated) when it ends.
     */
    private static Thread worker(AtomicLong allocatedBytes, Runnable body) {
        return new Thread(() -> {
            try {
                body.run();
            } finally {
                allocatedBytes.addAndGet(THREADS.getCurrentThreadAllocatedBytes());
            }
        });
    }

    private CompareDriver() {}

    /** One feature value as a caller gets it: kind 'i', 'f', 's' or 'b'. */
    record Typed(char kind, long i, double f, String s) {}

    /** One entity's answer: found, event time (ms), values in requested order. */
    record Row(boolean found, long eventMs, List<Typed> values) {}

    record ReadCase(boolean wide, int[] projection, boolean half, int batch) {
        FeatureView view() {
            return wide ? BenchData.WIDE : BenchData.NARROW;
        }

        int[] indexes() {
            if (projection != null) {
                return projection;
            }
            int[] all = new int[view().getFeaturesCount()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
    }

    interface Contender {
        void writeChunk(boolean wide, long from, long to) throws Exception;

        /** The typed rows when {@code want} (the binding converts only then). */
        List<Row> read(ReadCase c, long[] ids, boolean want) throws Exception;
    }

    static Typed expected(boolean wide, long id, int index) {
        TypesProto.Value v = wide ? BenchData.wideValue(id, index) : BenchData.narrowValue(id, index);
        return fromProto(v);
    }

    static Typed fromProto(TypesProto.Value v) {
        return switch (v.getValCase()) {
            case INT64_VAL -> new Typed('i', v.getInt64Val(), 0, null);
            case DOUBLE_VAL -> new Typed('f', 0, v.getDoubleVal(), null);
            case FLOAT_VAL -> new Typed('f', 0, v.getFloatVal(), null);
            case STRING_VAL -> new Typed('s', 0, 0, v.getStringVal());
            case BOOL_VAL -> new Typed('b', v.getBoolVal() ? 1 : 0, 0, null);
            default -> throw new IllegalStateException("unexpected value " + v);
        };
    }

    /** Feast's entity key serialization v3 of {driver_id: id}. */
    static byte[] serializedKey(long id) {
        byte[] name = "driver_id".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 8 + name.length + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1).putInt(2).putInt(name.length).put(name).putInt(4).putInt(8).putLong(id);
        return b.array();
    }

    static long[] drawIds(long[] state, long n, ReadCase c) {
        long[] ids = new long[c.batch()];
        int k = 0;
        while (k < ids.length) {
            state[0] += GOLDEN;
            long z = state[0];
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            long id = Long.remainderUnsigned(z ^ (z >>> 31), n);
            if (c.half() && k % 2 == 1) {
                id += n;
            }
            boolean dup = false;
            for (int j = 0; j < k; j++) {
                dup |= ids[j] == id;
            }
            if (!dup) {
                ids[k++] = id;
            }
        }
        return ids;
    }

    static void verify(ReadCase c, long[] ids, long n, List<Row> rows) {
        if (rows.size() != ids.length) {
            throw new IllegalStateException(rows.size() + " rows for " + ids.length + " ids");
        }
        int[] idx = c.indexes();
        for (int k = 0; k < ids.length; k++) {
            Row r = rows.get(k);
            long id = ids[k];
            if (r.found() != (id < n)) {
                throw new IllegalStateException("id " + id + ": found=" + r.found());
            }
            if (!r.found()) {
                continue;
            }
            if (r.eventMs() != (BenchData.EPOCH_2024 + id) * 1000) {
                throw new IllegalStateException("id " + id + ": event time " + r.eventMs());
            }
            for (int j = 0; j < idx.length; j++) {
                Typed want = expected(c.wide(), id, idx[j]);
                if (!Objects.equals(r.values().get(j), want)) {
                    throw new IllegalStateException("id " + id + " feature " + idx[j] + ": " + r.values().get(j)
                            + ", want " + want);
                }
            }
        }
    }

    // ---- the official client ----

    static final class Official implements Contender {
        private final AerospikeClient client;
        private final MapPolicy mapPolicy = new MapPolicy(MapOrder.KEY_ORDERED, MapWriteFlags.DEFAULT);
        private final BatchPolicy batchPolicy;

        Official(String host, int port) {
            client = new AerospikeClient(new ClientPolicy(), new Host(host, port));
            batchPolicy = new BatchPolicy(client.batchPolicyDefault);
            batchPolicy.totalTimeout = 30_000;
            batchPolicy.socketTimeout = 30_000;
        }

        /** The store's record key: the serialized entity key as a blob user key (not sent). */
        static Key key(long id) {
            return new Key("feast", "bench_latest", serializedKey(id));
        }

        @Override
        public void writeChunk(boolean wide, long from, long to) {
            FeatureView view = wide ? BenchData.WIDE : BenchData.NARROW;
            com.aerospike.client.Value viewName = com.aerospike.client.Value.get(view.getName());
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < view.getFeaturesCount(); i++) {
                order.add(i);
            }
            order.sort((a, b) -> view.getFeatures(a).getName().compareTo(view.getFeatures(b).getName()));
            List<BatchRecord> records = new ArrayList<>((int) (to - from));
            for (long id = from; id < to; id++) {
                // A plain (unflagged) map, features in key order, as the store writes it.
                Map<com.aerospike.client.Value, com.aerospike.client.Value> features = new LinkedHashMap<>();
                for (int i : order) {
                    Typed t = expected(wide, id, i);
                    com.aerospike.client.Value v = switch (t.kind()) {
                        case 'i' -> com.aerospike.client.Value.get(t.i());
                        case 'f' -> com.aerospike.client.Value.get(t.f());
                        case 's' -> com.aerospike.client.Value.get(t.s());
                        default -> com.aerospike.client.Value.get(t.i() == 1);
                    };
                    features.put(com.aerospike.client.Value.get(view.getFeatures(i).getName()), v);
                }
                long eventMs = (BenchData.EPOCH_2024 + id) * 1000;
                records.add(new BatchWrite(key(id), new Operation[] {
                    MapOperation.putItems(mapPolicy, "features",
                            Map.of(viewName, com.aerospike.client.Value.get(features))),
                    MapOperation.put(mapPolicy, "event_ts", viewName, com.aerospike.client.Value.get(eventMs)),
                    Operation.put(new Bin("created_ts", eventMs + 1000)),
                }));
            }
            client.operate(batchPolicy, records);
            for (BatchRecord r : records) {
                if (r.resultCode != ResultCode.OK) {
                    throw new IllegalStateException("write: a row failed: " + ResultCode.getResultString(r.resultCode));
                }
            }
        }

        /** A string key's value in a map result, whichever form the client decoded. */
        static Object lookup(Object map, String key) {
            if (map instanceof Map<?, ?> m) {
                return m.get(key);
            }
            if (map instanceof List<?> l) {
                for (Object e : l) {
                    if (e instanceof Map.Entry<?, ?> en && key.equals(en.getKey())) {
                        return en.getValue();
                    }
                }
            }
            return null;
        }

        /** A decoded value as a Typed (also the binding's ViewValues values; a Float widened as fromProto does). */
        static Typed typed(Object v) {
            if (v instanceof Long l) {
                return new Typed('i', l, 0, null);
            }
            if (v instanceof Double d) {
                return new Typed('f', 0, d, null);
            }
            if (v instanceof Float f) {
                return new Typed('f', 0, f, null);
            }
            if (v instanceof String s) {
                return new Typed('s', 0, 0, s);
            }
            if (v instanceof Boolean b) {
                return new Typed('b', b ? 1 : 0, 0, null);
            }
            throw new IllegalStateException("unexpected feature value " + v);
        }

        /** Always converts every record into typed values: that is what the store returns. */
        @Override
        public List<Row> read(ReadCase c, long[] ids, boolean want) {
            FeatureView view = c.view();
            com.aerospike.client.Value viewName = com.aerospike.client.Value.get(view.getName());
            Operation featuresOp;
            if (c.projection() == null) {
                featuresOp = MapOperation.getByKeyList("features", List.of(viewName), MapReturnType.KEY_VALUE);
            } else {
                List<com.aerospike.client.Value> keys = new ArrayList<>();
                for (int fi : c.projection()) {
                    keys.add(com.aerospike.client.Value.get(view.getFeatures(fi).getName()));
                }
                featuresOp = MapOperation.getByKeyList("features", keys, MapReturnType.KEY_VALUE,
                        CTX.mapKey(viewName));
            }
            Operation[] ops = {featuresOp,
                MapOperation.getByKeyList("event_ts", List.of(viewName), MapReturnType.KEY_VALUE)};
            List<BatchRecord> records = new ArrayList<>(ids.length);
            for (long id : ids) {
                records.add(new BatchRead(key(id), ops));
            }
            client.operate(batchPolicy, records);
            int[] idx = c.indexes();
            List<Row> rows = new ArrayList<>(ids.length);
            for (BatchRecord r : records) {
                if (r.resultCode == ResultCode.KEY_NOT_FOUND_ERROR) {
                    rows.add(new Row(false, 0, List.of()));
                    continue;
                }
                if (r.resultCode != ResultCode.OK) {
                    throw new IllegalStateException("read: " + ResultCode.getResultString(r.resultCode));
                }
                Object features = r.record.bins.get("features");
                if (c.projection() == null) {
                    features = lookup(features, view.getName());
                }
                List<Typed> values = new ArrayList<>(idx.length);
                for (int fi : idx) {
                    Object v = lookup(features, view.getFeatures(fi).getName());
                    if (v == null) {
                        throw new IllegalStateException("read: feature " + view.getFeatures(fi).getName() + " missing");
                    }
                    values.add(typed(v));
                }
                Object ts = lookup(r.record.bins.get("event_ts"), view.getName());
                if (!(ts instanceof Long ms)) {
                    throw new IllegalStateException("read: event time " + ts);
                }
                rows.add(new Row(true, ms, values));
            }
            return rows;
        }
    }

    // ---- the binding ----

    static final class Binding implements Contender {
        private final AerospikeOnlineStore store;
        /**
         * True: writes through WriteBatchEncoder and reads through ReadRequestEncoder with
         * readValues (the binding's fast paths); false: WriteBatchRequest messages and
         * read (protobuf-java responses).
         */
        private final boolean encoder;
        /**
         * Encoders kept across calls, as a service keeps them (the harness's writer threads
         * are new per command, so a thread-local one would start empty every time); each
         * call takes one, resets it and gives it back.
         */
        private final ConcurrentLinkedQueue<WriteBatchEncoder> narrowBatches =
                new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<WriteBatchEncoder> wideBatches =
                new ConcurrentLinkedQueue<>();
        /** Read encoders, kept the same way (each caches the views' bytes). */
        private final ConcurrentLinkedQueue<ReadRequestEncoder> readRequests =
                new ConcurrentLinkedQueue<>();

        Binding(String host, int port, boolean encoder) throws Exception {
            this.encoder = encoder;
            store = OnlineStoreConfig.builder().project("bench").host(host, port)
                    .batchTotalTimeoutMs(30_000).writeTimeoutMs(30_000).readTimeoutMs(30_000).open();
        }

        @Override
        public void writeChunk(boolean wide, long from, long to) throws Exception {
            FeatureView view = wide ? BenchData.WIDE : BenchData.NARROW;
            if (encoder) {
                var pool = wide ? wideBatches : narrowBatches;
                WriteBatchEncoder batch = pool.poll();
                if (batch == null) {
                    batch = new WriteBatchEncoder(view);
                }
                try {
                    batch.reset();
                    for (long id = from; id < to; id++) {
                        BenchData.appendRow(batch, !wide, id);
                    }
                    store.writeBatch(batch);
                } finally {
                    pool.add(batch);
                }
                return;
            }
            WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
            for (long id = from; id < to; id++) {
                b.addRows(BenchData.row(view, id));
            }
            store.writeBatch(b.build());
        }

        @Override
        public List<Row> read(ReadCase c, long[] ids, boolean want) throws Exception {
            List<String> requested = List.of();
            if (c.projection() != null) {
                String[] names = new String[c.projection().length];
                for (int i = 0; i < names.length; i++) {
                    names[i] = c.view().getFeatures(c.projection()[i]).getName();
                }
                requested = List.of(names);
            }
            if (encoder) {
                // The binding's fast read: the request written by ReadRequestEncoder (no
                // protobuf object per key), plain Java values straight from the native buffer.
                ReadRequestEncoder request = readRequests.poll();
                if (request == null) {
                    request = new ReadRequestEncoder();
                }
                ViewValues result;
                try {
                    request.reset().view(c.view(), requested);
                    for (long id : ids) {
                        request.entityKey("driver_id", id);
                    }
                    result = store.readValues(request).get(0);
                } finally {
                    readRequests.add(request);
                }
                if (!want) {
                    return null;
                }
                List<Row> rows = new ArrayList<>(ids.length);
                for (ViewValues.Row row : result.rows()) {
                    List<Typed> values = new ArrayList<>(row.size());
                    for (int i = 0; i < row.size(); i++) {
                        values.add(Official.typed(row.value(i)));
                    }
                    long ms = row.eventEpochSecond() * 1000 + row.eventNano() / 1_000_000;
                    rows.add(new Row(row.found(), ms, values));
                }
                return rows;
            }
            ReadRequest.Builder r = ReadRequest.newBuilder()
                    .addViews(ViewRead.newBuilder().setFeatureView(c.view()).addAllRequestedFeatures(requested));
            for (long id : ids) {
                r.addEntityKeys(BenchData.key(id));
            }
            ViewResult result = store.read(r.build()).getViews(0);
            if (!want) {
                return null;
            }
            List<Row> rows = new ArrayList<>();
            for (EntityRow row : result.getRowsList()) {
                List<Typed> values = new ArrayList<>();
                for (TypesProto.Value v : row.getValuesList()) {
                    values.add(fromProto(v));
                }
                long ms = row.hasEventTimestamp()
                        ? row.getEventTimestamp().getSeconds() * 1000 + row.getEventTimestamp().getNanos() / 1_000_000
                        : 0;
                rows.add(new Row(row.getFound(), ms, values));
            }
            return rows;
        }
    }

    // ---- the protocol ----

    static String stats(long[] latNanos, double wallS, long units, long bytes) {
        Arrays.sort(latNanos);
        int last = latNanos.length - 1;
        return String.format(Locale.ROOT,
                "{\"p50_us\":%.1f,\"p99_us\":%.1f,\"per_s\":%.1f,\"calls\":%d,\"allocs\":null,\"bytes\":%.0f}",
                latNanos[last * 50 / 100] / 1e3, latNanos[last * 99 / 100] / 1e3, units / wallS, latNanos.length,
                (double) bytes / latNanos.length);
    }

    static String runWrite(Contender ct, long n, boolean wide, int inFlight) throws Exception {
        AtomicLong next = new AtomicLong();
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        long[] lat = new long[chunks];
        Exception[] failure = new Exception[1];
        Thread[] threads = new Thread[inFlight];
        AtomicLong workerBytes = new AtomicLong();
        long b0 = totalAllocatedBytes();
        long start = System.nanoTime();
        for (int t = 0; t < inFlight; t++) {
            threads[t] = worker(workerBytes, () -> {
                for (;;) {
                    long from = next.getAndAdd(CHUNK);
                    if (from >= n) {
                        return;
                    }
                    long t0 = System.nanoTime();
                    try {
                        ct.writeChunk(wide, from, Math.min(n, from + CHUNK));
                    } catch (Exception e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                        return;
                    }
                    lat[(int) (from / CHUNK)] = System.nanoTime() - t0;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        long bytes = totalAllocatedBytes() - b0 + workerBytes.get();
        if (failure[0] != null) {
            throw failure[0];
        }
        return stats(lat, wall, n, bytes);
    }

    static String runRead(Contender ct, long n, ReadCase c, int callers, int warmup, int iters, long seed)
            throws Exception {
        long[][][] batches = new long[callers][iters][];
        for (int t = 0; t < callers; t++) {
            long[] state = {seed + 7919L * t};
            for (int w = 0; w < warmup; w++) {
                long[] ids = drawIds(state, n, c);
                List<Row> rows = ct.read(c, ids, w == 0);
                if (w == 0) {
                    verify(c, ids, n, rows);
                }
            }
            for (int i = 0; i < iters; i++) {
                batches[t][i] = drawIds(state, n, c);
            }
        }
        long[] lat = new long[callers * iters];
        Exception[] failure = new Exception[1];
        Thread[] threads = new Thread[callers];
        AtomicLong workerBytes = new AtomicLong();
        long b0 = totalAllocatedBytes();
        long start = System.nanoTime();
        for (int t = 0; t < callers; t++) {
            final int tt = t;
            threads[t] = worker(workerBytes, () -> {
                for (int i = 0; i < iters; i++) {
                    long t0 = System.nanoTime();
                    try {
                        ct.read(c, batches[tt][i], false);
                    } catch (Exception e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                        return;
                    }
                    lat[tt * iters + i] = System.nanoTime() - t0;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        long bytes = totalAllocatedBytes() - b0 + workerBytes.get();
        if (failure[0] != null) {
            throw failure[0];
        }
        return stats(lat, wall, (long) callers * iters * c.batch(), bytes);
    }

    static String command(Contender ct, long n, String line) throws Exception {
        String[] w = line.trim().split("\\s+");
        if (w.length == 3 && w[0].equals("write")) {
            return runWrite(ct, n, view(w[1]), range(w[2], 1, 64));
        }
        if (w.length == 8 && w[0].equals("read")) {
            boolean wide = view(w[1]);
            int[] projection = null;
            boolean half = false;
            switch (w[2]) {
                case "whole" -> { }
                case "proj" -> {
                    if (!wide) {
                        throw new IllegalArgumentException("projection is of WIDE: " + line);
                    }
                    projection = PROJECTED;
                }
                case "half" -> half = true;
                default -> throw new IllegalArgumentException("bad read kind " + w[2]);
            }
            ReadCase c = new ReadCase(wide, projection, half, range(w[3], 1, 5000));
            return runRead(ct, n, c, range(w[4], 1, 64), range(w[5], 1, 1 << 20), range(w[6], 1, 1 << 20),
                    Long.parseLong(w[7]));
        }
        throw new IllegalArgumentException("unknown command " + line);
    }

    static boolean view(String s) {
        return switch (s) {
            case "narrow" -> false;
            case "wide" -> true;
            default -> throw new IllegalArgumentException("bad view " + s);
        };
    }

    static int range(String s, int lo, int hi) {
        int v = Integer.parseInt(s);
        if (v < lo || v > hi) {
            throw new IllegalArgumentException("out of range: " + s);
        }
        return v;
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : String.valueOf(s).toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        String impl = "";
        String host = "127.0.0.1";
        int port = 3000;
        long n = 100_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--impl" -> impl = args[i + 1];
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--n" -> n = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("usage: CompareDriver --impl official|binding|binding-message "
                        + "[--host H] [--port P] [--n N]");
            }
        }
        Contender ct;
        try {
            ct = switch (impl) {
                case "official" -> new Official(host, port);
                case "binding" -> new Binding(host, port, true);
                case "binding-message" -> new Binding(host, port, false);
                default -> throw new IllegalArgumentException("unknown --impl " + impl
                        + " (official, binding or binding-message)");
            };
        } catch (Exception e) {
            System.out.println("{\"error\":" + jsonString("connect: " + e) + "}");
            System.exit(1);
            return;
        }
        System.out.println("{\"ready\":" + jsonString(impl) + "}");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("quit")) {
                break;
            }
            try {
                System.out.println(command(ct, n, line));
            } catch (Exception e) {
                System.out.println("{\"error\":" + jsonString(e.toString()) + "}");
                System.exit(1);
            }
        }
        System.exit(0);
    }
}
