// Builds a ReadRequest as protobuf bytes, key by key, with no protobuf-java object
// per entity: the fast read path of the binding
// (AerospikeOnlineStore.readValues(ReadRequestEncoder)). The bytes parse into the
// same message the builders make (store.proto, types.proto); tests compare.
package dev.feastaerospike;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.TypesProto;
import feast.proto.types.EntityKeyProto;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes a {@code ReadRequest} straight into a reusable byte buffer, for
 * {@link AerospikeOnlineStore#readValues(ReadRequestEncoder)}: no protobuf message per
 * entity key, strings encoded to UTF-8 in place, and a feature view's bytes encoded once
 * and kept for the next calls that read the same {@link FeatureView} object.
 *
 * <pre>{@code
 * ReadRequestEncoder read = new ReadRequestEncoder();     // keep it, reuse it
 * read.reset()
 *     .view(driverStats)                                  // every declared feature
 *     .view(driverProfile, List.of("city", "rating"))     // or these, in this order
 *     .entityKey("driver_id", 1001L)
 *     .entityKey("driver_id", 1002L);
 * List<ViewValues> views = store.readValues(read);
 * }</pre>
 *
 * <p>Views and entity keys may be added in any order; each keeps its own order (the
 * request's {@code views} and {@code entity_keys}). The cache of encoded views holds the
 * last {@value #VIEW_CACHE} (view, requested features) pairs, matched by the view's
 * identity and the requested names' equality; a {@code FeatureView} is immutable, so a
 * cached one is always current.
 *
 * <p>Misuse fails at once with an unchecked exception and leaves the buffer as it was:
 * a null argument is a {@link NullPointerException}, a negative timeout an
 * {@link IllegalArgumentException}. What the library validates (no views, no keys, key
 * shapes, unknown requested features) it reports on {@code readValues} as an
 * {@link InvalidArgumentException}, as for a message.
 *
 * <p>Not thread-safe: one encoder per thread (or per call).
 */
public final class ReadRequestEncoder {
    /** How many encoded (view, requested features) pairs an encoder keeps. */
    public static final int VIEW_CACHE = 8;
    private static final int MAX_SIZE = Integer.MAX_VALUE - 64;

    // Wire tags: (field << 3) | wire type.
    private static final int TAG_REQUEST_KEY = 1 << 3 | 2;
    private static final int TAG_REQUEST_VIEW = 2 << 3 | 2;
    private static final int TAG_VIEW_FEATURE_VIEW = 1 << 3 | 2;
    private static final int TAG_VIEW_REQUESTED = 2 << 3 | 2;

    private final FeatureView[] cachedViews = new FeatureView[VIEW_CACHE];
    private final List<?>[] cachedRequested = new List<?>[VIEW_CACHE];
    private final byte[][] cachedFields = new byte[VIEW_CACHE][];
    private int nextCacheSlot;

    private byte[] buf;
    private int pos;
    private int views;
    private int keys;
    private int timeoutMs;

    /** An encoder with a 4 KiB buffer to start. */
    public ReadRequestEncoder() {
        this(4096);
    }

    /** Same, starting with {@code initialCapacity} bytes (it grows as needed). */
    public ReadRequestEncoder(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity " + initialCapacity + " < 0");
        }
        buf = new byte[Math.max(initialCapacity, 16)];
    }

    /**
     * Drops every view and entity key, keeping the timeout, the cached view bytes and the
     * buffer's capacity: the encoder is ready for the next request.
     */
    public ReadRequestEncoder reset() {
        pos = 0;
        views = 0;
        keys = 0;
        return this;
    }

    /**
     * The request's {@code timeout_ms}: when > 0, bounds the whole call to this many
     * milliseconds on top of the configured timeouts; 0 (the default) for none. Kept
     * across {@link #reset()}.
     */
    public ReadRequestEncoder timeoutMs(int timeoutMs) {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeoutMs " + timeoutMs + " < 0");
        }
        this.timeoutMs = timeoutMs;
        return this;
    }

    /** The request's {@code timeout_ms}. */
    public int timeoutMs() {
        return timeoutMs;
    }

    /** Views added since the last reset. */
    public int viewCount() {
        return views;
    }

    /** Entity keys added since the last reset. */
    public int entityKeyCount() {
        return keys;
    }

    /** The request's size in bytes, as {@link #toByteArray()} would return it. */
    public int size() {
        return pos + ProtoBytes.timeoutFieldSize(timeoutMs);
    }

    // ---- views ----

    /** Reads every declared feature of {@code featureView}, in declared order. */
    public ReadRequestEncoder view(FeatureView featureView) {
        return view(featureView, List.of());
    }

    /**
     * Reads {@code requestedFeatures} of {@code featureView}, in this order (empty: every
     * declared feature). The view's bytes are cached for the next calls with the same
     * view object and equal names.
     */
    public ReadRequestEncoder view(FeatureView featureView, List<String> requestedFeatures) {
        Objects.requireNonNull(featureView, "featureView");
        Objects.requireNonNull(requestedFeatures, "requestedFeatures");
        byte[] field = null;
        for (int i = 0; i < VIEW_CACHE; i++) {
            if (cachedViews[i] == featureView && requestedFeatures.equals(cachedRequested[i])) {
                field = cachedFields[i];
                break;
            }
        }
        if (field == null) {
            List<String> requested = List.copyOf(requestedFeatures); // rejects null names
            field = encodeView(featureView, requested);
            int slot = nextCacheSlot;
            nextCacheSlot = (slot + 1) % VIEW_CACHE;
            cachedViews[slot] = featureView;
            cachedRequested[slot] = requested;
            cachedFields[slot] = field;
        }
        ensure(field.length);
        System.arraycopy(field, 0, buf, pos, field.length);
        pos += field.length;
        views++;
        return this;
    }

    /** Adds a {@code ViewRead} message as it is (not cached). */
    public ReadRequestEncoder view(ViewRead viewRead) {
        Objects.requireNonNull(viewRead, "viewRead");
        appendMessage(TAG_REQUEST_VIEW, viewRead);
        views++;
        return this;
    }

    /** The request's field 2 for one view: tag, length, ViewRead. */
    private static byte[] encodeView(FeatureView featureView, List<String> requested) {
        int viewSize = featureView.getSerializedSize();
        long content = 1 + ProtoBytes.varint32Size(viewSize) + (long) viewSize;
        int[] lengths = new int[requested.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = ProtoBytes.utf8Length(requested.get(i));
            content += 1 + ProtoBytes.varint32Size(lengths[i]) + lengths[i];
        }
        if (content > MAX_SIZE) {
            throw new IllegalArgumentException("feature view '" + featureView.getName() + "' is too large to read");
        }
        int c = (int) content;
        byte[] field = new byte[1 + ProtoBytes.varint32Size(c) + c];
        int p = ProtoBytes.writeVarint32(field, 0, TAG_REQUEST_VIEW);
        p = ProtoBytes.writeVarint32(field, p, c);
        field[p++] = TAG_VIEW_FEATURE_VIEW;
        p = ProtoBytes.writeVarint32(field, p, viewSize);
        p = ProtoBytes.writeMessage(field, p, featureView, viewSize);
        for (int i = 0; i < lengths.length; i++) {
            field[p++] = TAG_VIEW_REQUESTED;
            p = ProtoBytes.writeString(field, p, requested.get(i), lengths[i]);
        }
        return field;
    }

    // ---- entity keys ----

    /** An entity key: one join key with an {@code int64} value. */
    public ReadRequestEncoder entityKey(String joinKey, long value) {
        Objects.requireNonNull(joinKey, "joinKey");
        int nameLength = ProtoBytes.utf8Length(joinKey);
        int content = ProtoBytes.int64KeyContent(nameLength, value);
        ensure(1 + ProtoBytes.varint32Size(content) + content);
        pos = ProtoBytes.writeInt64Key(buf, pos, TAG_REQUEST_KEY, joinKey, nameLength, content, value);
        keys++;
        return this;
    }

    /** An entity key: one join key with a {@code string} value. */
    public ReadRequestEncoder entityKey(String joinKey, String value) {
        Objects.requireNonNull(joinKey, "joinKey");
        Objects.requireNonNull(value, "value");
        int nameLength = ProtoBytes.utf8Length(joinKey);
        int valueLength = ProtoBytes.utf8Length(value);
        int content = ProtoBytes.stringKeyContent(nameLength, valueLength);
        ensure(1 + ProtoBytes.varint32Size(content) + content);
        pos = ProtoBytes.writeStringKey(buf, pos, TAG_REQUEST_KEY, joinKey, nameLength, content, value,
                valueLength);
        keys++;
        return this;
    }

    /** An entity key of any shape (the binding's mirror type). */
    public ReadRequestEncoder entityKey(TypesProto.EntityKey key) {
        Objects.requireNonNull(key, "key");
        appendMessage(TAG_REQUEST_KEY, key);
        keys++;
        return this;
    }

    /** An entity key of any shape (Feast's type; same wire format). */
    public ReadRequestEncoder entityKey(EntityKeyProto.EntityKey key) {
        Objects.requireNonNull(key, "key");
        appendMessage(TAG_REQUEST_KEY, key);
        keys++;
        return this;
    }

    // ---- output ----

    /** The request's bytes (a copy). */
    public byte[] toByteArray() {
        return ProtoBytes.withTimeout(buf, pos, timeoutMs);
    }

    /** The request as a protobuf-java message (parsed from {@link #toByteArray()}). */
    public ReadRequest toRequest() {
        try {
            return ReadRequest.parseFrom(toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new InternalException(FeastAerospikeException.NO_RESULT_CODE,
                    "ReadRequestEncoder wrote bytes protobuf-java cannot parse: " + e.getMessage());
        }
    }

    /** The request for a native call: copied once, straight from this buffer. */
    NativeBackend.Request request() {
        return ProtoBytes.request(buf, pos, timeoutMs);
    }

    // ---- internals ----

    private void appendMessage(int tag, MessageLite message) {
        int size = message.getSerializedSize();
        ensure(1 + ProtoBytes.varint32Size(size) + size);
        pos = ProtoBytes.writeVarint32(buf, pos, tag);
        pos = ProtoBytes.writeVarint32(buf, pos, size);
        pos = ProtoBytes.writeMessage(buf, pos, message, size);
    }

    /** Makes room for {@code n} more bytes, doubling the buffer. */
    private void ensure(int n) {
        if (n <= buf.length - pos) {
            return;
        }
        long need = (long) pos + n + 6;
        if (need > MAX_SIZE) {
            throw new IllegalStateException("read request would exceed " + MAX_SIZE + " bytes: read fewer entities");
        }
        long grown = Math.max(need, Math.min(MAX_SIZE, 2L * buf.length));
        buf = Arrays.copyOf(buf, (int) grown);
    }
}
