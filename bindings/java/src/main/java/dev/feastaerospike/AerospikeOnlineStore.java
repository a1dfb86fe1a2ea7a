// Feast's Aerospike online store for Java: a thin, thread-safe handle over the
// feast-aerospike C ABI. Requests and responses cross the boundary as protobuf
// bytes; all store logic lives in the Rust library.
package dev.feastaerospike;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.InitRequest;
import dev.feastaerospike.proto.StoreProto.MetricsSnapshot;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.TeardownRequest;
import dev.feastaerospike.proto.StoreProto.TeardownResponse;
import dev.feastaerospike.proto.StoreProto.UpdateRequest;
import dev.feastaerospike.proto.StoreProto.UpdateResponse;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import dev.feastaerospike.proto.StoreProto.WriteRow;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import dev.feastaerospike.NativeBackend.Decoder;
import dev.feastaerospike.NativeBackend.Operation;
import dev.feastaerospike.NativeBackend.Request;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Feast's Aerospike online store, backed by the feast-aerospike native library.
 *
 * <p>Open it from the online-store block of {@code feature_store.yaml} as JSON (same keys
 * and defaults as Feast 0.67's {@code AerospikeOnlineStoreConfig}, plus {@code project} and
 * {@code entity_key_serialization_version}) with {@link #open(String)}, or with
 * {@link #builder()}. Data written here is readable by Feast's Python store and the other
 * way round.
 *
 * <p>Thread-safe: any number of threads may call it at once. {@link #close()} is idempotent;
 * calls already running when it is called finish, later ones throw
 * {@link StoreClosedException}, and the native handle is freed once no call runs.
 * Failures throw a {@link FeastAerospikeException} subclass per C ABI status.
 */
public final class AerospikeOnlineStore implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    /** Stores freed by the Cleaner because nobody closed them; tests watch it. */
    static final AtomicLong RELEASED_BY_CLEANER = new AtomicLong();

    private final NativeStore store;
    private final Cleaner.Cleanable cleanable;
    private final PrewritingHook prewritingHook;

    private AerospikeOnlineStore(NativeStore store, PrewritingHook prewritingHook) {
        this.store = store;
        this.prewritingHook = prewritingHook;
        // Safety net only: a store dropped without close() still releases its
        // connections when collected. close() is the supported way.
        this.cleanable = CLEANER.register(this, store);
    }

    /** Opens a store from Feast's online-store configuration as JSON. */
    public static AerospikeOnlineStore open(String configJson) {
        return open(configJson, null);
    }

    /**
     * Opens a store from Feast's online-store configuration as JSON, with a hook applied
     * to every write batch ({@code null} for none).
     */
    public static AerospikeOnlineStore open(String configJson, PrewritingHook prewritingHook) {
        Objects.requireNonNull(configJson, "configJson");
        NativeBackend backend = NativeLibrary.get().backend();
        InitRequest init = InitRequest.newBuilder().setConfigJson(configJson).build();
        long handle = backend.open(Request.of(init));
        return new AerospikeOnlineStore(new NativeStore(backend, handle), prewritingHook);
    }

    /** Opens a store from a typed configuration (and its prewriting hook, if any). */
    public static AerospikeOnlineStore open(OnlineStoreConfig config) {
        Objects.requireNonNull(config, "config");
        return open(config.toJson(), config.prewritingHook());
    }

    /** A builder with the same keys as Feast's configuration; finish with {@code open()}. */
    public static OnlineStoreConfig.Builder builder() {
        return OnlineStoreConfig.builder();
    }

    /** The native library's version string (loads the library if needed). */
    public static String nativeVersion() {
        return NativeLibrary.get().backend().version();
    }

    /**
     * How this JVM calls the native library: {@code "panama"} (Panama FFM, JDK 22+) or
     * {@code "jni"} (JDK 17-21, or forced with {@code -Dfeastaerospike.native.backend=jni}).
     * Loads the library if needed.
     */
    public static String nativeBackend() {
        return NativeLibrary.get().backend().name();
    }

    /**
     * Writes rows of one feature view (Feast's {@code online_write_batch}), after the
     * prewriting hook if there is one.
     *
     * @return the response: {@code rows_written} plus {@code skipped_stale_rows} (rows not
     *     applied because the record holds a newer event timestamp for the view; only with
     *     {@code event_time_safe_writes}) equals the number of rows
     * @throws WriteBatchException when any row was not confirmed written or skipped
     */
    public WriteBatchResponse writeBatch(WriteBatchRequest request) {
        Objects.requireNonNull(request, "request");
        if (prewritingHook != null) {
            List<WriteRow> rows = prewritingHook.apply(request.getFeatureView(),
                    Collections.unmodifiableList(request.getRowsList()));
            if (rows == null) {
                throw new InvalidArgumentException(FeastAerospikeException.NO_RESULT_CODE,
                        "write_batch of feature view '" + request.getFeatureView().getName()
                        + "': the prewriting hook returned null instead of a row list");
            }
            if (rows.isEmpty()) {
                return WriteBatchResponse.getDefaultInstance();
            }
            request = request.toBuilder().clearRows().addAllRows(rows).build();
        }
        WriteBatchResponse response = call(Operation.WRITE_BATCH, request,
                WriteBatchResponse.parser());
        return checkWritten(request.getFeatureView().getName(), request.getRowsCount(), response);
    }

    /**
     * Writes the rows of a {@link WriteBatchEncoder}: the fast write path, with no protobuf
     * object per row or value. Same call, timeout, response and exceptions as
     * {@link #writeBatch(WriteBatchRequest)}; the encoder's bytes are copied once, into the
     * native call, and the encoder is left as it was (call {@link WriteBatchEncoder#reset()}
     * to reuse it).
     *
     * <p>With a prewriting hook configured, the hook runs as for a message: the encoder's
     * bytes are parsed into a {@code WriteBatchRequest} and written through
     * {@link #writeBatch(WriteBatchRequest)}. That is correct but not faster than the
     * message path; the encoder pays off on stores without a hook.
     *
     * @throws IllegalStateException if a row is still open (begun and not ended)
     * @throws WriteBatchException when any row was not confirmed written or skipped
     */
    public WriteBatchResponse writeBatch(WriteBatchEncoder batch) {
        Objects.requireNonNull(batch, "batch");
        batch.requireNoOpenRow("writeBatch");
        if (prewritingHook != null) {
            return writeBatch(batch.toRequest());
        }
        WriteBatchResponse response = call(Operation.WRITE_BATCH, batch.request(),
                WriteBatchResponse.parser()::parseFrom);
        return checkWritten(batch.featureView().getName(), batch.rowCount(), response);
    }

    /** The response of a write batch of {@code rows} rows, or the exception it amounts to. */
    private static WriteBatchResponse checkWritten(String view, int rows, WriteBatchResponse response) {
        if (response.getFailuresCount() > 0) {
            throw new WriteBatchException(view, rows, response);
        }
        if (response.getRowsWritten() + response.getSkippedStaleRowsCount() != rows) {
            // The ABI promises rows_written + skipped + failures == rows; anything else is
            // a bug, and it must not pass as a successful write.
            throw new InternalException(FeastAerospikeException.NO_RESULT_CODE, "write_batch of feature view '"
                    + view + "': the library confirmed " + response.getRowsWritten()
                    + " of " + rows + " rows (" + response.getSkippedStaleRowsCount()
                    + " skipped as stale) and reported no failures");
        }
        return response;
    }

    /** Writes Feast-typed rows of one feature view; see {@link #writeBatch(WriteBatchRequest)}. */
    public WriteBatchResponse writeBatch(FeatureView featureView, List<FeastRow> rows) {
        Objects.requireNonNull(featureView, "featureView");
        Objects.requireNonNull(rows, "rows");
        WriteBatchRequest.Builder request = WriteBatchRequest.newBuilder().setFeatureView(featureView);
        for (FeastRow row : rows) {
            request.addRows(row.toWriteRow());
        }
        return writeBatch(request.build());
    }

    /** Reads one or more feature views for the same entities, in request order. */
    public ReadResponse read(ReadRequest request) {
        Objects.requireNonNull(request, "request");
        return call(Operation.READ, request, ReadResponse.parser());
    }

    /**
     * Reads one or more feature views for the same entities into plain Java values (see
     * {@link ViewValues} for the types): the response is decoded straight from the
     * library's buffer, with at most one object per value (a String's byte array aside)
     * plus two per row, and no protobuf message per value. The fastest way to read.
     */
    public List<ViewValues> readValues(ReadRequest request) {
        Objects.requireNonNull(request, "request");
        return call(Operation.READ, Request.of(request), ReadResponseReader::decode);
    }

    /**
     * {@link #readValues(ReadRequest)} for the request a {@link ReadRequestEncoder} holds:
     * the fast read path, with no protobuf object per entity key. Same call, timeout,
     * decoding and exceptions; the encoder's bytes are copied once, into the native call,
     * and the encoder is left as it was (call {@link ReadRequestEncoder#reset()} to reuse it).
     */
    public List<ViewValues> readValues(ReadRequestEncoder request) {
        Objects.requireNonNull(request, "request");
        return call(Operation.READ, request.request(), ReadResponseReader::decode);
    }

    /** {@link #readValues(ReadRequest)} for Feast's entity keys. */
    public List<ViewValues> readValues(List<EntityKeyProto.EntityKey> entityKeys, List<ViewRead> views) {
        return readValues(feastReadRequest(entityKeys, views));
    }

    private static ReadRequest feastReadRequest(List<EntityKeyProto.EntityKey> entityKeys, List<ViewRead> views) {
        Objects.requireNonNull(entityKeys, "entityKeys");
        Objects.requireNonNull(views, "views");
        ReadRequest.Builder request = ReadRequest.newBuilder().addAllViews(views);
        for (EntityKeyProto.EntityKey key : entityKeys) {
            request.addEntityKeys(FeastTypes.toMirror(key));
        }
        return request.build();
    }

    /**
     * Reads several feature views for the same entities, with Feast's own types (Feast's
     * {@code online_read} over many views in one call). One result per view, in order;
     * each result's rows are aligned with {@code entityKeys}.
     */
    public List<OnlineReadResult> onlineRead(List<EntityKeyProto.EntityKey> entityKeys, List<ViewRead> views) {
        ReadRequest built = feastReadRequest(entityKeys, views);
        return call(Operation.READ, Request.of(built), OnlineReadDecoder::decode);
    }

    /**
     * Reads one feature view with Feast's own types, like Feast's {@code online_read}.
     * {@code requestedFeatures} empty or null means every declared feature.
     */
    public List<OnlineRow> onlineRead(FeatureView featureView, List<EntityKeyProto.EntityKey> entityKeys,
            List<String> requestedFeatures) {
        Objects.requireNonNull(featureView, "featureView");
        ViewRead.Builder view = ViewRead.newBuilder().setFeatureView(featureView);
        if (requestedFeatures != null) {
            view.addAllRequestedFeatures(requestedFeatures);
        }
        return onlineRead(entityKeys, List.of(view.build())).get(0).rows();
    }

    /** Removes dropped feature views from every record (Feast's {@code update}). */
    public UpdateResponse update(UpdateRequest request) {
        Objects.requireNonNull(request, "request");
        return call(Operation.UPDATE, request, UpdateResponse.parser());
    }

    /** Deletes the data of the project's sets (Feast's {@code teardown}); unrelated to closing. */
    public TeardownResponse teardown(TeardownRequest request) {
        Objects.requireNonNull(request, "request");
        return call(Operation.TEARDOWN, request, TeardownResponse.parser());
    }

    /**
     * The store's live counters since it was opened (cumulative): per operation calls,
     * errors by status, items and a latency histogram; write-row outcomes; read
     * found/not-found. Cheap and lock-free in the library. See
     * {@code dev.feastaerospike.micrometer.FeastAerospikeMetrics} for Micrometer.
     */
    public MetricsSnapshot metrics() {
        return call(Operation.METRICS, Request.of(new byte[0]), MetricsSnapshot.parser()::parseFrom);
    }

    /** True once {@link #close()} was called (or the store was collected). */
    public boolean isClosed() {
        return store.closed;
    }

    /**
     * Closes the cluster connections and frees the native handle. Idempotent. Calls running
     * at that moment finish first (this waits for them); later calls throw
     * {@link StoreClosedException}.
     *
     * @throws FeastAerospikeException if the library reported an error while closing; the
     *     handle is freed anyway
     */
    @Override
    public void close() {
        FeastAerospikeException failure = store.release();
        cleanable.clean();
        if (failure != null) {
            throw failure;
        }
    }

    /** One request/response call with a typed request. */
    private <T> T call(Operation operation, MessageLite request, Parser<T> parser) {
        return call(operation, Request.of(request), parser::parseFrom);
    }

    /**
     * Sends request bytes exactly as given. Package-private for tests that prove how the
     * library answers bytes no typed request can produce (malformed protobuf).
     */
    <T> T callWithBytes(String operation, byte[] request, Parser<T> parser) {
        Operation op = switch (operation) {
            case "write_batch" -> Operation.WRITE_BATCH;
            case "read" -> Operation.READ;
            case "update" -> Operation.UPDATE;
            case "teardown" -> Operation.TEARDOWN;
            default -> throw new IllegalArgumentException("no such operation: " + operation);
        };
        return call(op, Request.of(request), parser::parseFrom);
    }

    /**
     * The call path shared by every operation. The read lock keeps the handle alive for
     * the call's duration: close() frees it only under the write lock, i.e. once no call
     * runs.
     */
    private <T> T call(Operation operation, Request request, Decoder<T> decoder) {
        NativeStore s = store;
        s.lock.readLock().lock();
        try {
            if (s.closed) {
                throw new StoreClosedException(FeastAerospikeException.NO_RESULT_CODE,
                        operation.label + ": the store is closed");
            }
            return s.backend.call(operation, s.handle, request, decoder);
        } finally {
            s.lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** The native handle, its lock and its closed flag; also the Cleaner's action. */
    private static final class NativeStore implements Runnable {
        final NativeBackend backend;
        final long handle;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        volatile boolean closed;
        private final AtomicBoolean released = new AtomicBoolean();

        NativeStore(NativeBackend backend, long handle) {
            this.backend = backend;
            this.handle = handle;
        }

        /** Closes then frees the handle, once; returns the close error, if any. */
        FeastAerospikeException release() {
            if (!released.compareAndSet(false, true)) {
                return null;
            }
            closed = true;
            // fas_store_close outside the lock: running calls finish, the library
            // refuses new ones; then the write lock waits for every running call.
            FeastAerospikeException failure = backend.close(handle);
            lock.writeLock().lock();
            try {
                backend.free(handle);
            } finally {
                lock.writeLock().unlock();
            }
            return failure;
        }

        /** Cleaner path: only does work for a store that was never closed. */
        @Override
        public void run() {
            if (!released.get()) {
                RELEASED_BY_CLEANER.incrementAndGet();
                release();
            }
        }
    }

    /** One row for {@link #writeBatch(FeatureView, List)}, in Feast's own types (Feast's row tuple). */
    public record FeastRow(EntityKeyProto.EntityKey entityKey, Map<String, ValueProto.Value> values,
            Instant eventTimestamp, Instant createdTimestamp) {
        public FeastRow {
            Objects.requireNonNull(entityKey, "entityKey");
            Objects.requireNonNull(values, "values");
            Objects.requireNonNull(eventTimestamp, "eventTimestamp");
        }

        WriteRow toWriteRow() {
            WriteRow.Builder row = WriteRow.newBuilder()
                    .setEntityKey(FeastTypes.toMirror(entityKey))
                    .setEventTimestamp(FeastTypes.toTimestamp(eventTimestamp));
            for (Map.Entry<String, ValueProto.Value> e : values.entrySet()) {
                row.putValues(e.getKey(), FeastTypes.toMirror(e.getValue()));
            }
            if (createdTimestamp != null) {
                row.setCreatedTimestamp(FeastTypes.toTimestamp(createdTimestamp));
            }
            return row.build();
        }
    }

    /** One entity's data for one view: Feast's {@code (event_ts, {feature: value})}, or not found. */
    public record OnlineRow(boolean found, Instant eventTimestamp, Map<String, ValueProto.Value> features) {
        static final OnlineRow NOT_FOUND = new OnlineRow(false, null, Map.of());
    }

    /** The rows of one view, aligned with the request's entity keys. */
    public record OnlineReadResult(String featureView, List<String> featureNames, List<OnlineRow> rows) {}
}
