// Builds a WriteBatchRequest as protobuf bytes, value by value, with no
// protobuf-java object per row or per value: the fast write path of the binding
// (AerospikeOnlineStore.writeBatch(WriteBatchEncoder)). The bytes are the
// same message the builders make (store.proto, types.proto); tests parse them
// back with protobuf-java and compare.
package dev.feastaerospike;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.feastaerospike.proto.StoreProto.Feature;
import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.TypesProto;
import feast.proto.types.EntityKeyProto;
import feast.proto.types.ValueProto;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes one feature view's {@code WriteBatchRequest} straight into a reusable byte
 * buffer, for {@link AerospikeOnlineStore#writeBatch(WriteBatchEncoder)}: no protobuf
 * message per row or per value, no map per row, strings encoded to UTF-8 in place.
 *
 * <pre>{@code
 * WriteBatchEncoder batch = new WriteBatchEncoder(featureView);   // keep it, reuse it
 * for (Driver d : drivers) {
 *     batch.beginRow()
 *          .entityKey("driver_id", d.id())
 *          .eventTimestamp(d.eventSeconds(), 0)
 *          .putDouble(0, d.convRate())          // by index into featureView's features
 *          .putString("city", d.city())         // or by name
 *          .endRow();
 * }
 * store.writeBatch(batch);
 * batch.reset();                                  // same view, capacity kept
 * }</pre>
 *
 * <p>Every row needs {@link #beginRow()}, an entity key, an event timestamp and
 * {@link #endRow()}; a created timestamp is optional; the row's values replace the
 * view's whole slot in the record, exactly as a {@code WriteRow}'s. Within a row the
 * calls may come in any order. A feature put twice in one row keeps the last value
 * (protobuf map semantics). Feature values are put by name, or by index into the
 * view's {@code features} (the name's bytes are then encoded once, at construction).
 *
 * <p>Misuse fails at once with an unchecked exception and leaves the buffer as it was
 * before the call: a value or key outside a row, or a row begun twice, is an
 * {@link IllegalStateException}; a null argument a {@link NullPointerException}; an
 * out-of-range feature index, timestamp nanos or timeout an
 * {@link IllegalArgumentException}. What the library validates (a row without entity
 * key or event timestamp, entity key shapes, value types) it reports on
 * {@code writeBatch} as an {@link InvalidArgumentException}, as for a message.
 *
 * <p>Not thread-safe: one encoder per thread (or per call).
 */
public final class WriteBatchEncoder {
    /** A row's length is written as a varint padded to this many bytes (valid protobuf). */
    private static final int ROW_LENGTH_BYTES = 5;
    private static final int MAX_SIZE = Integer.MAX_VALUE - 64;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    // Wire tags: (field << 3) | wire type.
    private static final int TAG_REQUEST_VIEW = 1 << 3 | 2;
    private static final int TAG_REQUEST_ROW = 2 << 3 | 2;
    private static final int TAG_ROW_ENTITY_KEY = 1 << 3 | 2;
    private static final int TAG_ROW_VALUE_ENTRY = 2 << 3 | 2;
    private static final int TAG_ROW_EVENT_TS = 3 << 3 | 2;
    private static final int TAG_ROW_CREATED_TS = 4 << 3 | 2;
    private static final int TAG_ENTRY_KEY = 1 << 3 | 2;
    private static final int TAG_ENTRY_VALUE = 2 << 3 | 2;
    private static final int TAG_TS_SECONDS = 1 << 3;
    private static final int TAG_TS_NANOS = 2 << 3;
    private static final int TAG_LIST_ITEMS = 1 << 3 | 2;
    // Value's oneof (types.proto).
    private static final int TAG_BYTES = 1 << 3 | 2;
    private static final int TAG_STRING = 2 << 3 | 2;
    private static final int TAG_INT32 = 3 << 3;
    private static final int TAG_INT64 = 4 << 3;
    private static final int TAG_DOUBLE = 5 << 3 | 1;
    private static final int TAG_FLOAT = 6 << 3 | 5;
    private static final int TAG_BOOL = 7 << 3;
    private static final int TAG_UNIX_TIMESTAMP = 8 << 3;
    private static final int TAG_BYTES_LIST = 11 << 3 | 2;
    private static final int TAG_STRING_LIST = 12 << 3 | 2;
    private static final int TAG_INT32_LIST = 13 << 3 | 2;
    private static final int TAG_INT64_LIST = 14 << 3 | 2;
    private static final int TAG_DOUBLE_LIST = 15 << 3 | 2;
    private static final int TAG_FLOAT_LIST = 16 << 3 | 2;
    private static final int TAG_BOOL_LIST = 17 << 3 | 2;
    private static final int TAG_UNIX_TIMESTAMP_LIST = 18 << 3 | 2;
    private static final int TAG_NULL = 19 << 3;

    /** The {@code feature} argument of the internal helpers when the value is put by name. */
    private static final long BY_NAME = -1L << 40;

    private final FeatureView featureView;
    /** The request's field 1 (the view), written first after every reset. */
    private final byte[] viewField;
    /** Per feature index: the map entry's key field (tag, length, UTF-8 name). */
    private final byte[][] featureKeys;

    private byte[] buf;
    private int pos;
    private int rows;
    private int timeoutMs;
    /** Where the open row's length goes; -1 when no row is open. */
    private int rowStart = -1;
    private boolean rowHasKey;
    private boolean rowHasEventTs;
    private boolean rowHasCreatedTs;

    /** An encoder for rows of {@code featureView}, with a 64 KiB buffer to start. */
    public WriteBatchEncoder(FeatureView featureView) {
        this(featureView, 64 * 1024);
    }

    /** Same, starting with {@code initialCapacity} bytes (it grows as needed). */
    public WriteBatchEncoder(FeatureView featureView, int initialCapacity) {
        this.featureView = Objects.requireNonNull(featureView, "featureView");
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity " + initialCapacity + " < 0");
        }
        int viewSize = featureView.getSerializedSize();
        viewField = new byte[1 + varint32Size(viewSize) + viewSize];
        buf = viewField;
        pos = 0;
        writeRawVarint32(TAG_REQUEST_VIEW);
        writeRawVarint32(viewSize);
        writeMessage(featureView, viewSize);
        featureKeys = new byte[featureView.getFeaturesCount()][];
        for (int i = 0; i < featureKeys.length; i++) {
            Feature f = featureView.getFeatures(i);
            byte[] name = f.getName().getBytes(StandardCharsets.UTF_8);
            byte[] key = new byte[1 + varint32Size(name.length) + name.length];
            buf = key;
            pos = 0;
            writeRawVarint32(TAG_ENTRY_KEY);
            writeRawVarint32(name.length);
            System.arraycopy(name, 0, key, pos, name.length);
            featureKeys[i] = key;
        }
        buf = new byte[Math.max(initialCapacity, viewField.length + 64)];
        reset();
    }

    /** The view this encoder writes rows of. */
    public FeatureView featureView() {
        return featureView;
    }

    /**
     * Drops every row (and any open row), keeping the view, the timeout and the buffer's
     * capacity: the encoder is ready for the next batch.
     */
    public WriteBatchEncoder reset() {
        System.arraycopy(viewField, 0, buf, 0, viewField.length);
        pos = viewField.length;
        rows = 0;
        rowStart = -1;
        return this;
    }

    /**
     * The request's {@code timeout_ms}: when > 0, bounds the whole call to this many
     * milliseconds on top of the configured timeouts; 0 (the default) for none. Kept
     * across {@link #reset()}.
     */
    public WriteBatchEncoder timeoutMs(int timeoutMs) {
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

    /** Rows ended so far. */
    public int rowCount() {
        return rows;
    }

    /** True while a row is begun and not yet ended. */
    public boolean inRow() {
        return rowStart >= 0;
    }

    /** The request's size in bytes, as {@link #toByteArray()} would return it. */
    public int size() {
        return pos + timeoutFieldSize();
    }

    /** The buffer's current capacity in bytes (it only grows; {@link #reset()} keeps it). */
    public int capacity() {
        return buf.length;
    }

    // ---- rows ----

    /** Starts a row; end it with {@link #endRow()}. */
    public WriteBatchEncoder beginRow() {
        if (rowStart >= 0) {
            throw new IllegalStateException("beginRow: row " + rows + " is still open (call endRow() first)");
        }
        ensure(1 + ROW_LENGTH_BYTES);
        buf[pos++] = TAG_REQUEST_ROW;
        rowStart = pos;
        pos += ROW_LENGTH_BYTES;
        rowHasKey = false;
        rowHasEventTs = false;
        rowHasCreatedTs = false;
        return this;
    }

    /** Ends the open row. */
    public WriteBatchEncoder endRow() {
        requireRow("endRow");
        int length = pos - rowStart - ROW_LENGTH_BYTES;
        // A varint padded to 5 bytes: continuation bits on the first four.
        buf[rowStart] = (byte) (length | 0x80);
        buf[rowStart + 1] = (byte) (length >>> 7 | 0x80);
        buf[rowStart + 2] = (byte) (length >>> 14 | 0x80);
        buf[rowStart + 3] = (byte) (length >>> 21 | 0x80);
        buf[rowStart + 4] = (byte) (length >>> 28);
        rowStart = -1;
        rows++;
        return this;
    }

    /** The row's entity key (Feast's type). */
    public WriteBatchEncoder entityKey(EntityKeyProto.EntityKey key) {
        Objects.requireNonNull(key, "key");
        return entityKeyMessage(key);
    }

    /** The row's entity key (the binding's mirror type). */
    public WriteBatchEncoder entityKey(TypesProto.EntityKey key) {
        Objects.requireNonNull(key, "key");
        return entityKeyMessage(key);
    }

    /** The row's entity key: one join key with an {@code int64} value. */
    public WriteBatchEncoder entityKey(String joinKey, long value) {
        Objects.requireNonNull(joinKey, "joinKey");
        requireKeyNotSet();
        int nameLength = utf8Length(joinKey);
        int content = ProtoBytes.int64KeyContent(nameLength, value);
        ensure(1 + varint32Size(content) + content);
        pos = ProtoBytes.writeInt64Key(buf, pos, TAG_ROW_ENTITY_KEY, joinKey, nameLength, content, value);
        rowHasKey = true;
        return this;
    }

    /** The row's entity key: one join key with a {@code string} value. */
    public WriteBatchEncoder entityKey(String joinKey, String value) {
        Objects.requireNonNull(joinKey, "joinKey");
        Objects.requireNonNull(value, "value");
        requireKeyNotSet();
        int nameLength = utf8Length(joinKey);
        int stringLength = utf8Length(value);
        int content = ProtoBytes.stringKeyContent(nameLength, stringLength);
        ensure(1 + varint32Size(content) + content);
        pos = ProtoBytes.writeStringKey(buf, pos, TAG_ROW_ENTITY_KEY, joinKey, nameLength, content, value,
                stringLength);
        rowHasKey = true;
        return this;
    }

    /** The row's event timestamp (required), as epoch seconds and nanos (0-999,999,999). */
    public WriteBatchEncoder eventTimestamp(long epochSeconds, int nanos) {
        requireRow("eventTimestamp");
        if (rowHasEventTs) {
            throw new IllegalStateException("eventTimestamp: row " + rows + " already has one");
        }
        writeTimestamp(TAG_ROW_EVENT_TS, epochSeconds, nanos);
        rowHasEventTs = true;
        return this;
    }

    /** The row's event timestamp (required). */
    public WriteBatchEncoder eventTimestamp(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        return eventTimestamp(instant.getEpochSecond(), instant.getNano());
    }

    /** The row's created timestamp (optional: writes the record's {@code created_ts} bin). */
    public WriteBatchEncoder createdTimestamp(long epochSeconds, int nanos) {
        requireRow("createdTimestamp");
        if (rowHasCreatedTs) {
            throw new IllegalStateException("createdTimestamp: row " + rows + " already has one");
        }
        writeTimestamp(TAG_ROW_CREATED_TS, epochSeconds, nanos);
        rowHasCreatedTs = true;
        return this;
    }

    /** The row's created timestamp (optional). */
    public WriteBatchEncoder createdTimestamp(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        return createdTimestamp(instant.getEpochSecond(), instant.getNano());
    }

    // ---- feature values: by name, or by index into the view's features ----

    public WriteBatchEncoder putInt64(String name, long value) {
        beginEntry(name, BY_NAME, 1 + varint64Size(value));
        return int64Value(TAG_INT64, value);
    }

    public WriteBatchEncoder putInt64(int feature, long value) {
        beginEntry(null, feature, 1 + varint64Size(value));
        return int64Value(TAG_INT64, value);
    }

    public WriteBatchEncoder putInt32(String name, int value) {
        beginEntry(name, BY_NAME, 1 + int32Size(value));
        return int64Value(TAG_INT32, value);
    }

    public WriteBatchEncoder putInt32(int feature, int value) {
        beginEntry(null, feature, 1 + int32Size(value));
        return int64Value(TAG_INT32, value);
    }

    /** A {@code unix_timestamp_val}: epoch seconds, as Feast stores it. */
    public WriteBatchEncoder putUnixTimestamp(String name, long epochSeconds) {
        beginEntry(name, BY_NAME, 1 + varint64Size(epochSeconds));
        return int64Value(TAG_UNIX_TIMESTAMP, epochSeconds);
    }

    public WriteBatchEncoder putUnixTimestamp(int feature, long epochSeconds) {
        beginEntry(null, feature, 1 + varint64Size(epochSeconds));
        return int64Value(TAG_UNIX_TIMESTAMP, epochSeconds);
    }

    public WriteBatchEncoder putBool(String name, boolean value) {
        beginEntry(name, BY_NAME, 2);
        return int64Value(TAG_BOOL, value ? 1 : 0);
    }

    public WriteBatchEncoder putBool(int feature, boolean value) {
        beginEntry(null, feature, 2);
        return int64Value(TAG_BOOL, value ? 1 : 0);
    }

    public WriteBatchEncoder putDouble(String name, double value) {
        beginEntry(name, BY_NAME, 9);
        return doubleValue(value);
    }

    public WriteBatchEncoder putDouble(int feature, double value) {
        beginEntry(null, feature, 9);
        return doubleValue(value);
    }

    public WriteBatchEncoder putFloat(String name, float value) {
        beginEntry(name, BY_NAME, 5);
        return floatValue(value);
    }

    public WriteBatchEncoder putFloat(int feature, float value) {
        beginEntry(null, feature, 5);
        return floatValue(value);
    }

    /** A {@code string_val}; unpaired surrogates become '?', as protobuf-java writes them. */
    public WriteBatchEncoder putString(String name, String value) {
        Objects.requireNonNull(value, "value");
        int length = utf8Length(value);
        beginEntry(name, BY_NAME, 1 + varint32Size(length) + length);
        return stringValue(value, length);
    }

    public WriteBatchEncoder putString(int feature, String value) {
        Objects.requireNonNull(value, "value");
        int length = utf8Length(value);
        beginEntry(null, feature, 1 + varint32Size(length) + length);
        return stringValue(value, length);
    }

    public WriteBatchEncoder putBytes(String name, byte[] value) {
        Objects.requireNonNull(value, "value");
        beginEntry(name, BY_NAME, 1 + varint32Size(value.length) + value.length);
        return bytesValue(value);
    }

    public WriteBatchEncoder putBytes(int feature, byte[] value) {
        Objects.requireNonNull(value, "value");
        beginEntry(null, feature, 1 + varint32Size(value.length) + value.length);
        return bytesValue(value);
    }

    /** A {@code null_val}: the feature is present and null. */
    public WriteBatchEncoder putNull(String name) {
        beginEntry(name, BY_NAME, 3);
        return nullValue();
    }

    public WriteBatchEncoder putNull(int feature) {
        beginEntry(null, feature, 3);
        return nullValue();
    }

    public WriteBatchEncoder putInt64List(String name, long[] values) {
        return int64List(name, BY_NAME, TAG_INT64_LIST, values);
    }

    public WriteBatchEncoder putInt64List(int feature, long[] values) {
        return int64List(null, feature, TAG_INT64_LIST, values);
    }

    /** A {@code unix_timestamp_list_val} of epoch seconds. */
    public WriteBatchEncoder putUnixTimestampList(String name, long[] epochSeconds) {
        return int64List(name, BY_NAME, TAG_UNIX_TIMESTAMP_LIST, epochSeconds);
    }

    public WriteBatchEncoder putUnixTimestampList(int feature, long[] epochSeconds) {
        return int64List(null, feature, TAG_UNIX_TIMESTAMP_LIST, epochSeconds);
    }

    public WriteBatchEncoder putInt32List(String name, int[] values) {
        return int32List(name, BY_NAME, values);
    }

    public WriteBatchEncoder putInt32List(int feature, int[] values) {
        return int32List(null, feature, values);
    }

    public WriteBatchEncoder putDoubleList(String name, double[] values) {
        return doubleList(name, BY_NAME, values);
    }

    public WriteBatchEncoder putDoubleList(int feature, double[] values) {
        return doubleList(null, feature, values);
    }

    public WriteBatchEncoder putFloatList(String name, float[] values) {
        return floatList(name, BY_NAME, values);
    }

    public WriteBatchEncoder putFloatList(int feature, float[] values) {
        return floatList(null, feature, values);
    }

    public WriteBatchEncoder putBoolList(String name, boolean[] values) {
        return boolList(name, BY_NAME, values);
    }

    public WriteBatchEncoder putBoolList(int feature, boolean[] values) {
        return boolList(null, feature, values);
    }

    public WriteBatchEncoder putStringList(String name, List<String> values) {
        return stringList(name, BY_NAME, values);
    }

    public WriteBatchEncoder putStringList(int feature, List<String> values) {
        return stringList(null, feature, values);
    }

    public WriteBatchEncoder putBytesList(String name, List<byte[]> values) {
        return bytesList(name, BY_NAME, values);
    }

    public WriteBatchEncoder putBytesList(int feature, List<byte[]> values) {
        return bytesList(null, feature, values);
    }

    /** Any value kind (maps, sets, JSON, ...), as the binding's mirror message. */
    public WriteBatchEncoder putValue(String name, TypesProto.Value value) {
        return messageValue(name, BY_NAME, value);
    }

    public WriteBatchEncoder putValue(int feature, TypesProto.Value value) {
        return messageValue(null, feature, value);
    }

    /** Any value kind, as Feast's message (same field numbers as the mirror). */
    public WriteBatchEncoder putValue(String name, ValueProto.Value value) {
        return messageValue(name, BY_NAME, value);
    }

    public WriteBatchEncoder putValue(int feature, ValueProto.Value value) {
        return messageValue(null, feature, value);
    }

    // ---- the request ----

    /** A copy of the request's bytes (a serialised {@code WriteBatchRequest}). */
    public byte[] toByteArray() {
        requireNoOpenRow("toByteArray");
        return ProtoBytes.withTimeout(buf, pos, timeoutMs);
    }

    /** The request as a protobuf-java message (parses the bytes: for hooks and checks, not speed). */
    public WriteBatchRequest toRequest() {
        try {
            return WriteBatchRequest.parseFrom(toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new InternalException(FeastAerospikeException.NO_RESULT_CODE,
                    "WriteBatchEncoder wrote bytes protobuf-java cannot parse (a bug): " + e.getMessage());
        }
    }

    /** Throws unless the encoder holds a complete request (no open row). */
    void requireNoOpenRow(String operation) {
        if (rowStart >= 0) {
            throw new IllegalStateException(operation + ": row " + rows + " of feature view '"
                    + featureView.getName() + "' is still open (call endRow() first)");
        }
    }

    /** The request for a native call: copied once, straight from this buffer. */
    NativeBackend.Request request() {
        requireNoOpenRow("writeBatch");
        return ProtoBytes.request(buf, pos, timeoutMs);
    }

    // ---- internals ----

    private int timeoutFieldSize() {
        return ProtoBytes.timeoutFieldSize(timeoutMs);
    }

    private void requireRow(String operation) {
        if (rowStart < 0) {
            throw new IllegalStateException(operation + ": no row is open (call beginRow() first)");
        }
    }

    private void requireKeyNotSet() {
        requireRow("entityKey");
        if (rowHasKey) {
            throw new IllegalStateException("entityKey: row " + rows + " already has one");
        }
    }

    private WriteBatchEncoder entityKeyMessage(MessageLite key) {
        requireKeyNotSet();
        int size = key.getSerializedSize();
        ensure(1 + varint32Size(size) + size);
        writeRawVarint32(TAG_ROW_ENTITY_KEY);
        writeRawVarint32(size);
        writeMessage(key, size);
        rowHasKey = true;
        return this;
    }

    private void writeTimestamp(int tag, long seconds, int nanos) {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("timestamp nanos " + nanos + " outside 0..999999999");
        }
        int content = (seconds == 0 ? 0 : 1 + varint64Size(seconds)) + (nanos == 0 ? 0 : 1 + varint32Size(nanos));
        ensure(2 + content);
        buf[pos++] = (byte) tag;
        buf[pos++] = (byte) content;
        if (seconds != 0) {
            buf[pos++] = TAG_TS_SECONDS;
            writeRawVarint64(seconds);
        }
        if (nanos != 0) {
            buf[pos++] = TAG_TS_NANOS;
            writeRawVarint32(nanos);
        }
    }

    /**
     * Writes a map entry's header and key: the value that follows is {@code valueSize}
     * bytes (the Value message's content). Checks everything first, so a failing call
     * writes nothing.
     */
    private void beginEntry(String name, long feature, int valueSize) {
        requireRow("put");
        byte[] key = null;
        int nameLength = 0;
        int keySize;
        if (feature != BY_NAME) {
            if (feature < 0 || feature >= featureKeys.length) {
                throw new IllegalArgumentException("feature index " + feature + " outside feature view '"
                        + featureView.getName() + "' (" + featureKeys.length + " features)");
            }
            key = featureKeys[(int) feature];
            keySize = key.length;
        } else {
            Objects.requireNonNull(name, "feature name");
            nameLength = utf8Length(name);
            keySize = 1 + varint32Size(nameLength) + nameLength;
        }
        int entry = keySize + 1 + varint32Size(valueSize) + valueSize;
        ensure(1 + varint32Size(entry) + entry);
        buf[pos++] = TAG_ROW_VALUE_ENTRY;
        writeRawVarint32(entry);
        if (key != null) {
            System.arraycopy(key, 0, buf, pos, key.length);
            pos += key.length;
        } else {
            buf[pos++] = TAG_ENTRY_KEY;
            writeString(name, nameLength);
        }
        buf[pos++] = TAG_ENTRY_VALUE;
        writeRawVarint32(valueSize);
    }

    private WriteBatchEncoder int64Value(int tag, long value) {
        buf[pos++] = (byte) tag;
        writeRawVarint64(value);
        return this;
    }

    private WriteBatchEncoder doubleValue(double value) {
        buf[pos++] = TAG_DOUBLE;
        LONG_LE.set(buf, pos, Double.doubleToRawLongBits(value));
        pos += 8;
        return this;
    }

    private WriteBatchEncoder floatValue(float value) {
        buf[pos++] = TAG_FLOAT;
        INT_LE.set(buf, pos, Float.floatToRawIntBits(value));
        pos += 4;
        return this;
    }

    private WriteBatchEncoder stringValue(String value, int length) {
        buf[pos++] = TAG_STRING;
        writeString(value, length);
        return this;
    }

    private WriteBatchEncoder bytesValue(byte[] value) {
        buf[pos++] = TAG_BYTES;
        writeRawVarint32(value.length);
        System.arraycopy(value, 0, buf, pos, value.length);
        pos += value.length;
        return this;
    }

    private WriteBatchEncoder nullValue() {
        writeRawVarint32(TAG_NULL);
        buf[pos++] = 0;
        return this;
    }

    /**
     * A list value's size: its oneof tag, length, then the list message: for a packed
     * list one items field (absent when empty), else {@code body} is the items fields.
     */
    private static int listValueSize(int tag, int body, boolean packed) {
        int inner = listMessageSize(body, packed);
        return varint32Size(tag) + varint32Size(inner) + inner;
    }

    private static int listMessageSize(int body, boolean packed) {
        return !packed || body == 0 ? body : 1 + varint32Size(body) + body;
    }

    /** Writes a list value's tag and length, and a packed list's items-field header. */
    private void listValueHeader(int tag, int body, boolean packed) {
        writeRawVarint32(tag);
        writeRawVarint32(listMessageSize(body, packed));
        if (packed && body > 0) {
            buf[pos++] = TAG_LIST_ITEMS;
            writeRawVarint32(body);
        }
    }

    private WriteBatchEncoder int64List(String name, long feature, int tag, long[] values) {
        Objects.requireNonNull(values, "values");
        long body = 0;
        for (long v : values) {
            body += varint64Size(v);
        }
        int b = checkedSize(body);
        beginEntry(name, feature, listValueSize(tag, b, true));
        listValueHeader(tag, b, true);
        for (long v : values) {
            writeRawVarint64(v);
        }
        return this;
    }

    private WriteBatchEncoder int32List(String name, long feature, int[] values) {
        Objects.requireNonNull(values, "values");
        long body = 0;
        for (int v : values) {
            body += int32Size(v);
        }
        int b = checkedSize(body);
        beginEntry(name, feature, listValueSize(TAG_INT32_LIST, b, true));
        listValueHeader(TAG_INT32_LIST, b, true);
        for (int v : values) {
            writeRawVarint64(v);
        }
        return this;
    }

    private WriteBatchEncoder doubleList(String name, long feature, double[] values) {
        Objects.requireNonNull(values, "values");
        int b = checkedSize(8L * values.length);
        beginEntry(name, feature, listValueSize(TAG_DOUBLE_LIST, b, true));
        listValueHeader(TAG_DOUBLE_LIST, b, true);
        for (double v : values) {
            LONG_LE.set(buf, pos, Double.doubleToRawLongBits(v));
            pos += 8;
        }
        return this;
    }

    private WriteBatchEncoder floatList(String name, long feature, float[] values) {
        Objects.requireNonNull(values, "values");
        int b = checkedSize(4L * values.length);
        beginEntry(name, feature, listValueSize(TAG_FLOAT_LIST, b, true));
        listValueHeader(TAG_FLOAT_LIST, b, true);
        for (float v : values) {
            INT_LE.set(buf, pos, Float.floatToRawIntBits(v));
            pos += 4;
        }
        return this;
    }

    private WriteBatchEncoder boolList(String name, long feature, boolean[] values) {
        Objects.requireNonNull(values, "values");
        int b = values.length;
        beginEntry(name, feature, listValueSize(TAG_BOOL_LIST, b, true));
        listValueHeader(TAG_BOOL_LIST, b, true);
        for (boolean v : values) {
            buf[pos++] = (byte) (v ? 1 : 0);
        }
        return this;
    }

    private WriteBatchEncoder stringList(String name, long feature, List<String> values) {
        Objects.requireNonNull(values, "values");
        long body = 0;
        for (String s : values) {
            int n = utf8Length(Objects.requireNonNull(s, "a string list item"));
            body += 1 + varint32Size(n) + n;
        }
        int b = checkedSize(body);
        beginEntry(name, feature, listValueSize(TAG_STRING_LIST, b, false));
        listValueHeader(TAG_STRING_LIST, b, false);
        for (String s : values) {
            buf[pos++] = TAG_LIST_ITEMS;
            writeString(s, utf8Length(s));
        }
        return this;
    }

    private WriteBatchEncoder bytesList(String name, long feature, List<byte[]> values) {
        Objects.requireNonNull(values, "values");
        long body = 0;
        for (byte[] v : values) {
            int n = Objects.requireNonNull(v, "a bytes list item").length;
            body += 1 + varint32Size(n) + n;
        }
        int b = checkedSize(body);
        beginEntry(name, feature, listValueSize(TAG_BYTES_LIST, b, false));
        listValueHeader(TAG_BYTES_LIST, b, false);
        for (byte[] v : values) {
            buf[pos++] = TAG_LIST_ITEMS;
            writeRawVarint32(v.length);
            System.arraycopy(v, 0, buf, pos, v.length);
            pos += v.length;
        }
        return this;
    }

    private WriteBatchEncoder messageValue(String name, long feature, MessageLite value) {
        Objects.requireNonNull(value, "value");
        int size = value.getSerializedSize();
        beginEntry(name, feature, size);
        writeMessage(value, size);
        return this;
    }

    private void writeMessage(MessageLite message, int size) {
        pos = ProtoBytes.writeMessage(buf, pos, message, size);
    }

    private static int checkedSize(long size) {
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException("a value of " + size + " bytes does not fit a write batch");
        }
        return (int) size;
    }

    /** Makes room for {@code n} more bytes, doubling the buffer. */
    private void ensure(int n) {
        if (n <= buf.length - pos) {
            return;
        }
        long need = (long) pos + n + timeoutFieldSize();
        if (need > MAX_SIZE) {
            throw new IllegalStateException("write batch of feature view '" + featureView.getName()
                    + "' would exceed " + MAX_SIZE + " bytes: send it in smaller batches");
        }
        long grown = Math.max(need, Math.min(MAX_SIZE, 2L * buf.length));
        buf = Arrays.copyOf(buf, (int) grown);
    }

    private static int varint32Size(int v) {
        return ProtoBytes.varint32Size(v);
    }

    private static int varint64Size(long v) {
        return ProtoBytes.varint64Size(v);
    }

    /** An int32 field's varint: negative values are sign-extended to 10 bytes. */
    private static int int32Size(int v) {
        return v >= 0 ? varint32Size(v) : 10;
    }

    private void writeRawVarint32(int v) {
        pos = ProtoBytes.writeVarint32(buf, pos, v);
    }

    private void writeRawVarint64(long v) {
        pos = ProtoBytes.writeVarint64(buf, pos, v);
    }

    private static int utf8Length(String s) {
        return ProtoBytes.utf8Length(s);
    }

    /** Writes a length-prefixed string of {@code length} UTF-8 bytes. */
    private void writeString(String s, int length) {
        pos = ProtoBytes.writeString(buf, pos, s, length);
    }
}
