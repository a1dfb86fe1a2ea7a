// Protobuf wire-format helpers shared by the binding's encoders (WriteBatchEncoder,
// ReadRequestEncoder): varints, sizes, UTF-8 strings and embedded messages written
// into a byte array at a position, returning the position after them.
package dev.feastaerospike;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Static protobuf byte writers: each takes the array and position and returns the new position. */
final class ProtoBytes {
    private ProtoBytes() {
    }

    static int varint32Size(int v) {
        if ((v & ~0x7F) == 0) {
            return 1;
        }
        if ((v & ~0x3FFF) == 0) {
            return 2;
        }
        if ((v & ~0x1FFFFF) == 0) {
            return 3;
        }
        if ((v & ~0xFFFFFFF) == 0) {
            return 4;
        }
        return 5;
    }

    static int varint64Size(long v) {
        int bits = 64 - Long.numberOfLeadingZeros(v);
        return bits == 0 ? 1 : (bits + 6) / 7;
    }

    static int writeVarint32(byte[] buf, int pos, int v) {
        while ((v & ~0x7F) != 0) {
            buf[pos++] = (byte) (v & 0x7F | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return pos;
    }

    static int writeVarint64(byte[] buf, int pos, long v) {
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) (v & 0x7F | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return pos;
    }

    /**
     * UTF-8 length of {@code s} as protobuf-java writes it: an unpaired surrogate is one
     * byte ('?').
     */
    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // 4 bytes for the pair's 2 chars
                i++;
            } else if (Character.isSurrogate(c)) {
                // unpaired: '?', one byte, already counted
            } else {
                bytes += 2;
            }
        }
        return bytes;
    }

    /** Writes a length-prefixed string of {@code length} UTF-8 bytes (from {@link #utf8Length}). */
    static int writeString(byte[] b, int pos, String s, int length) {
        int p = writeVarint32(b, pos, length);
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | c >>> 6);
                b[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[p++] = (byte) (0xF0 | cp >>> 18);
                b[p++] = (byte) (0x80 | cp >>> 12 & 0x3F);
                b[p++] = (byte) (0x80 | cp >>> 6 & 0x3F);
                b[p++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                b[p++] = '?';
            } else {
                b[p++] = (byte) (0xE0 | c >>> 12);
                b[p++] = (byte) (0x80 | c >>> 6 & 0x3F);
                b[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return p;
    }

    /** Writes {@code message}'s {@code size} serialised bytes (no tag, no length). */
    static int writeMessage(byte[] buf, int pos, MessageLite message, int size) {
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(buf, pos, size);
            message.writeTo(out);
            out.checkNoSpaceLeft();
        } catch (IOException | IllegalStateException e) {
            throw new InternalException(FeastAerospikeException.NO_RESULT_CODE,
                    "cannot serialise " + message.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return pos + size;
    }

    // ---- single-value entity keys (types.proto EntityKey{join_keys=1, entity_values=2}) ----

    private static final int TAG_KEY_JOIN_KEY = 1 << 3 | 2;
    private static final int TAG_KEY_VALUE = 2 << 3 | 2;
    private static final int TAG_VALUE_STRING = 2 << 3 | 2;
    private static final int TAG_VALUE_INT64 = 4 << 3;

    /** The content size of an EntityKey with one join key of {@code nameLength} UTF-8 bytes and an int64 value. */
    static int int64KeyContent(int nameLength, long value) {
        int valueSize = 1 + varint64Size(value);
        return 1 + varint32Size(nameLength) + nameLength + 1 + varint32Size(valueSize) + valueSize;
    }

    /** Same with a string value of {@code valueLength} UTF-8 bytes. */
    static int stringKeyContent(int nameLength, int valueLength) {
        int valueSize = 1 + varint32Size(valueLength) + valueLength;
        return 1 + varint32Size(nameLength) + nameLength + 1 + varint32Size(valueSize) + valueSize;
    }

    /** Writes field {@code tag} holding an int64-valued EntityKey of {@code content} bytes ({@link #int64KeyContent}). */
    static int writeInt64Key(byte[] b, int p, int tag, String joinKey, int nameLength, int content, long value) {
        p = writeVarint32(b, p, tag);
        p = writeVarint32(b, p, content);
        b[p++] = TAG_KEY_JOIN_KEY;
        p = writeString(b, p, joinKey, nameLength);
        b[p++] = TAG_KEY_VALUE;
        p = writeVarint32(b, p, 1 + varint64Size(value));
        b[p++] = TAG_VALUE_INT64;
        return writeVarint64(b, p, value);
    }

    /** Writes field {@code tag} holding a string-valued EntityKey of {@code content} bytes ({@link #stringKeyContent}). */
    static int writeStringKey(byte[] b, int p, int tag, String joinKey, int nameLength, int content,
            String value, int valueLength) {
        p = writeVarint32(b, p, tag);
        p = writeVarint32(b, p, content);
        b[p++] = TAG_KEY_JOIN_KEY;
        p = writeString(b, p, joinKey, nameLength);
        b[p++] = TAG_KEY_VALUE;
        p = writeVarint32(b, p, 1 + varint32Size(valueLength) + valueLength);
        b[p++] = TAG_VALUE_STRING;
        return writeString(b, p, value, valueLength);
    }

    // ---- a request's timeout_ms (field 3, uint32, in ReadRequest and WriteBatchRequest) ----

    private static final int TAG_REQUEST_TIMEOUT = 3 << 3;

    /** The size of the {@code timeout_ms} field: 0 when {@code timeoutMs} is 0 (not written). */
    static int timeoutFieldSize(int timeoutMs) {
        return timeoutMs == 0 ? 0 : 1 + varint32Size(timeoutMs);
    }

    /** {@code buf[0, pos)} followed by the {@code timeout_ms} field, in a new array. */
    static byte[] withTimeout(byte[] buf, int pos, int timeoutMs) {
        byte[] out = Arrays.copyOf(buf, pos + timeoutFieldSize(timeoutMs));
        if (timeoutMs != 0) {
            out[pos] = TAG_REQUEST_TIMEOUT;
            writeVarint32(out, pos + 1, timeoutMs);
        }
        return out;
    }

    /**
     * A native call's request of an encoder's bytes {@code buf[0, pos)} and its
     * {@code timeout_ms}: copied once, straight from the buffer, into the call.
     */
    static NativeBackend.Request request(byte[] buf, int pos, int timeoutMs) {
        int length = pos + timeoutFieldSize(timeoutMs);
        return new NativeBackend.Request() {
            @Override
            int size() {
                return length;
            }

            @Override
            void writeTo(ByteBuffer out) {
                out.put(buf, 0, pos);
                if (timeoutMs > 0) {
                    out.put((byte) TAG_REQUEST_TIMEOUT);
                    for (int v = timeoutMs; ; v >>>= 7) {
                        if ((v & ~0x7F) == 0) {
                            out.put((byte) v);
                            break;
                        }
                        out.put((byte) (v & 0x7F | 0x80));
                    }
                }
            }

            @Override
            byte[] toByteArray() {
                // The JNI call takes a whole array: the buffer itself only when it is exactly full.
                return timeoutMs == 0 && pos == buf.length ? buf : withTimeout(buf, pos, timeoutMs);
            }
        };
    }
}
