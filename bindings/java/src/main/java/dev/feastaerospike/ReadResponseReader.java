// Decodes ReadResponse bytes (store.proto, types.proto) straight into
// ViewValues: no protobuf-java parse of the message, one object per value at
// most. Reads from any ByteBuffer view (a native MemorySegment's, a JNI direct
// buffer, a heap array), so it does not care how the bytes arrived.
package dev.feastaerospike;

import dev.feastaerospike.proto.TypesProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A bounds-checked protobuf reader for {@code feast_aerospike.v1.ReadResponse}. Every
 * length is checked against the bytes that remain; malformed input throws
 * {@link IOException}, never reads outside the buffer's [position, limit). Protobuf rules
 * followed: any field order, unknown fields skipped, last scalar/oneof field wins,
 * repeated numbers packed or not. ReadResponseReaderTest checks it against protobuf-java.
 */
final class ReadResponseReader {
    private static final int VARINT = 0;
    private static final int I64 = 1;
    private static final int LEN = 2;
    private static final int I32 = 5;
    private static final Object[] NO_VALUES = new Object[0];

    private final ByteBuffer buf;
    private int pos;
    /** Staging for strings and bytes read from a direct buffer; grows, never shrinks. */
    private byte[] scratch = new byte[64];
    /** Staging for the elements of numeric lists; grows, never shrinks. */
    private long[] scratchLongs = new long[16];

    private ReadResponseReader(ByteBuffer buf) {
        this.buf = buf;
    }

    /** Decodes the bytes between {@code bytes}' position and limit; the buffer is not moved. */
    static List<ViewValues> decode(ByteBuffer bytes) throws IOException {
        ByteBuffer b = bytes.order() == ByteOrder.LITTLE_ENDIAN ? bytes : bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ReadResponseReader r = new ReadResponseReader(b);
        r.pos = b.position();
        return r.response(b.limit());
    }

    private List<ViewValues> response(int end) throws IOException {
        List<ViewValues> views = new ArrayList<>(1);
        while (pos < end) {
            long tag = varint(end);
            int num = fieldNumber(tag);
            int wt = (int) (tag & 7);
            if (num == 1) {
                expect(wt, LEN, "ReadResponse.views");
                int viewEnd = payloadEnd(end);
                views.add(view(pos, viewEnd)); // leaves pos at viewEnd
            } else {
                skip(wt, end);
            }
        }
        return Collections.unmodifiableList(views);
    }

    /** ViewResult: one pass for name and feature names (and a row count), one for rows. */
    private ViewValues view(int start, int end) throws IOException {
        String name = "";
        List<String> names = new ArrayList<>();
        int rowCount = 0;
        pos = start;
        while (pos < end) {
            long tag = varint(end);
            int num = fieldNumber(tag);
            int wt = (int) (tag & 7);
            if (num >= 1 && num <= 3) {
                expect(wt, LEN, "ViewResult field", num);
                int len = length(end);
                if (num == 1) {
                    name = string(len);
                } else if (num == 2) {
                    names.add(string(len));
                } else {
                    rowCount++;
                }
                pos += len;
            } else {
                skip(wt, end);
            }
        }
        ViewValues.Row[] rows = new ViewValues.Row[rowCount];
        int r = 0;
        pos = start;
        while (pos < end) {
            long tag = varint(end);
            int num = fieldNumber(tag);
            int wt = (int) (tag & 7);
            if (num == 3) {
                int len = length(end);
                int next = pos + len;
                rows[r++] = row(next, names.size());
                pos = next;
            } else {
                skip(wt, end);
            }
        }
        return new ViewValues(name, Collections.unmodifiableList(names), Collections.unmodifiableList(Arrays.asList(rows)));
    }

    private ViewValues.Row row(int end, int featureCount) throws IOException {
        boolean found = false;
        boolean hasTs = false;
        long seconds = 0;
        int nanos = 0;
        Object[] values = NO_VALUES;
        int n = 0;
        while (pos < end) {
            long tag = varint(end);
            int num = fieldNumber(tag);
            int wt = (int) (tag & 7);
            switch (num) {
                case 1 -> {
                    expect(wt, VARINT, "EntityRow.found");
                    found = varint(end) != 0;
                }
                case 2 -> {
                    expect(wt, LEN, "EntityRow.event_timestamp");
                    int tsEnd = payloadEnd(end);
                    // A repeated message field merges: fields present override.
                    while (pos < tsEnd) {
                        long t = varint(tsEnd);
                        int tn = fieldNumber(t);
                        if (tn == 1 || tn == 2) {
                            expect((int) (t & 7), VARINT, "Timestamp field", tn);
                            long v = varint(tsEnd);
                            if (tn == 1) {
                                seconds = v;
                            } else {
                                nanos = (int) v;
                            }
                        } else {
                            skip((int) (t & 7), tsEnd);
                        }
                    }
                    hasTs = true;
                }
                case 3 -> {
                    expect(wt, LEN, "EntityRow.values");
                    int valueEnd = payloadEnd(end);
                    if (n == values.length) {
                        values = Arrays.copyOf(values, Math.max(featureCount, n * 2 + 1));
                    }
                    values[n++] = value(valueEnd);
                    pos = valueEnd;
                }
                default -> skip(wt, end);
            }
        }
        if (!found && !hasTs && n == 0) {
            return ViewValues.Row.NOT_FOUND;
        }
        return new ViewValues.Row(found, hasTs, seconds, nanos, n == values.length ? values : Arrays.copyOf(values, n));
    }

    /** One Value message ending at {@code end}: the last field of a known kind wins. */
    private Object value(int end) throws IOException {
        int start = pos;
        Object out = null;
        while (pos < end) {
            long tag = varint(end);
            int kind = fieldNumber(tag);
            int wt = (int) (tag & 7);
            switch (kind) {
                case 1 -> out = bytes(lengthField(wt, end));
                case 2, 32, 36, 37, 44 -> {
                    int len = lengthField(wt, end);
                    out = string(len);
                    pos += len;
                }
                case 3 -> {
                    expect(wt, VARINT, "Value.int32_val");
                    out = (int) varint(end);
                }
                case 4, 8 -> {
                    expect(wt, VARINT, "Value field", kind);
                    out = varint(end);
                }
                case 5 -> {
                    expect(wt, I64, "Value.double_val");
                    need(8, end);
                    out = buf.getDouble(pos);
                    pos += 8;
                }
                case 6 -> {
                    expect(wt, I32, "Value.float_val");
                    need(4, end);
                    out = buf.getFloat(pos);
                    pos += 4;
                }
                case 7 -> {
                    expect(wt, VARINT, "Value.bool_val");
                    out = varint(end) != 0;
                }
                case 19 -> {
                    expect(wt, VARINT, "Value.null_val");
                    varint(end);
                    out = null;
                }
                case 13, 14, 15, 16, 17, 18, 24, 25, 26, 27, 28, 29 -> out = numericList(kind, lengthField(wt, end));
                case 12, 23, 33, 38, 39, 40, 41, 45, 46 -> out = bytesList(true, lengthField(wt, end));
                case 11, 22 -> out = bytesList(false, lengthField(wt, end));
                case 20, 21, 34, 35, 42, 43, 47, 48 -> {
                    expect(wt, LEN, "Value field", kind);
                    pos = payloadEnd(end);
                    // Nested maps and lists: rare for features, so protobuf-java decodes this Value.
                    out = TypesProto.Value.parseFrom(slice(start, end - start));
                }
                default -> skip(wt, end);
            }
        }
        return out;
    }

    /** A LEN field's length (checked); the position is left at its payload. */
    private int lengthField(int wt, int end) throws IOException {
        expect(wt, LEN, "Value field");
        return length(end);
    }

    /**
     * The elements of a list or set of numbers or booleans ({@code len} bytes, field 1,
     * elements unpacked or in packed runs) as one primitive array. The raw elements
     * are staged in a reused scratch array, so the result is the only allocation.
     */
    private Object numericList(int kind, int len) throws IOException {
        int elemWt = switch (kind) {
            case 15, 26 -> I64;
            case 16, 27 -> I32;
            default -> VARINT;
        };
        int end = pos + len;
        int n = 0;
        while (pos < end) {
            long tag = varint(end);
            int wt = (int) (tag & 7);
            if (fieldNumber(tag) != 1) {
                skip(wt, end);
                continue;
            }
            boolean packed = wt != elemWt;
            int runEnd = end;
            if (packed) {
                expect(wt, LEN, "list element");
                runEnd = payloadEnd(end);
            }
            for (boolean first = true; packed ? pos < runEnd : first; first = false) {
                if (n == scratchLongs.length) {
                    scratchLongs = Arrays.copyOf(scratchLongs, n * 2);
                }
                scratchLongs[n++] = element(elemWt, runEnd);
            }
        }
        long[] raw = scratchLongs;
        return switch (kind) {
            case 13, 24 -> {
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (int) raw[i];
                }
                yield out;
            }
            case 17, 28 -> {
                boolean[] out = new boolean[n];
                for (int i = 0; i < n; i++) {
                    out[i] = raw[i] != 0;
                }
                yield out;
            }
            case 15, 26 -> {
                double[] out = new double[n];
                for (int i = 0; i < n; i++) {
                    out[i] = Double.longBitsToDouble(raw[i]);
                }
                yield out;
            }
            case 16, 27 -> {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((int) raw[i]);
                }
                yield out;
            }
            default -> Arrays.copyOf(raw, n);
        };
    }

    /** One element of wire type {@code wt}: a varint, or the raw bits of an I64/I32. */
    private long element(int wt, int end) throws IOException {
        if (wt == VARINT) {
            return varint(end);
        }
        int width = wt == I64 ? 8 : 4;
        need(width, end);
        long bits = width == 8 ? buf.getLong(pos) : buf.getInt(pos);
        pos += width;
        return bits;
    }

    /** Strings or byte arrays: field 1, one LEN field per element. */
    private List<Object> bytesList(boolean strings, int len) throws IOException {
        int end = pos + len;
        List<Object> out = new ArrayList<>();
        while (pos < end) {
            long tag = varint(end);
            int wt = (int) (tag & 7);
            if (fieldNumber(tag) != 1) {
                skip(wt, end);
                continue;
            }
            expect(wt, LEN, "list element");
            int n = length(end);
            if (strings) {
                out.add(string(n));
                pos += n;
            } else {
                out.add(bytes(n));
            }
        }
        return Collections.unmodifiableList(out);
    }

    // ---- wire primitives ----

    private long varint(int end) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw malformed("truncated varint");
            }
            byte b = buf.get(pos++);
            if (shift == 63 && (b & 0xFF) > 1) {
                throw malformed("varint over 64 bits");
            }
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw malformed("varint over 10 bytes");
    }

    /** A length prefix, checked against the bytes left before {@code end}. */
    private int length(int end) throws IOException {
        long n = varint(end);
        if (n < 0 || n > end - pos) {
            throw malformed("length " + Long.toUnsignedString(n) + " past the end (" + (end - pos) + " bytes left)");
        }
        return (int) n;
    }

    /** Reads a length prefix and returns where that payload ends (checked). */
    private int payloadEnd(int end) throws IOException {
        int n = length(end);
        return pos + n;
    }

    private void need(int n, int end) throws IOException {
        if (end - pos < n) {
            throw malformed(n + " bytes needed, " + (end - pos) + " left");
        }
    }

    private void skip(int wt, int end) throws IOException {
        switch (wt) {
            case VARINT -> varint(end);
            case I64 -> {
                need(8, end);
                pos += 8;
            }
            case LEN -> pos = payloadEnd(end);
            case I32 -> {
                need(4, end);
                pos += 4;
            }
            default -> throw malformed("wire type " + wt);
        }
    }

    private static int fieldNumber(long tag) throws IOException {
        long num = tag >>> 3;
        if (num == 0 || num > 0x1FFF_FFFFL) {
            throw malformed("field number " + num);
        }
        return (int) num;
    }

    // The message is built only on failure: this runs once per value.
    private static void expect(int wt, int want, String field) throws IOException {
        if (wt != want) {
            throw malformed(field + " has wire type " + wt + ", expected " + want);
        }
    }

    private static void expect(int wt, int want, String field, int number) throws IOException {
        if (wt != want) {
            throw malformed(field + " " + number + " has wire type " + wt + ", expected " + want);
        }
    }

    /** A UTF-8 string of {@code len} bytes at the position (which is not moved). */
    private String string(int len) {
        if (len == 0) {
            return "";
        }
        if (buf.hasArray()) {
            return new String(buf.array(), buf.arrayOffset() + pos, len, StandardCharsets.UTF_8);
        }
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, scratch.length * 2)];
        }
        buf.get(pos, scratch, 0, len);
        return new String(scratch, 0, len, StandardCharsets.UTF_8);
    }

    /** A copy of {@code len} bytes at the position, which moves past them. */
    private byte[] bytes(int len) {
        byte[] out = slice(pos, len);
        pos += len;
        return out;
    }

    private byte[] slice(int from, int len) {
        byte[] out = new byte[len];
        buf.get(from, out, 0, len);
        return out;
    }

    private static IOException malformed(String what) {
        return new IOException("malformed ReadResponse: " + what);
    }
}
