// One view's answer to a read as plain Java values, decoded straight from the
// library's response bytes by ReadResponseReader: one object per value at most,
// no protobuf message per value, row or view.
package dev.feastaerospike;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The rows of one feature view, aligned with the request's entity keys, as returned by
 * {@link AerospikeOnlineStore#readValues}.
 *
 * <p>Each feature value is one Java object, chosen by the value's kind on the wire:
 * {@code Long} (INT64, UNIX_TIMESTAMP as epoch seconds), {@code Integer} (INT32),
 * {@code Double}, {@code Float}, {@code Boolean}, {@code String} (STRING, JSON, UUID,
 * TIME_UUID, DECIMAL), {@code byte[]} (BYTES), a primitive array for a list or set of
 * numbers or booleans ({@code long[]}, {@code int[]}, {@code double[]}, {@code float[]},
 * {@code boolean[]}), an unmodifiable {@code List<String>} or {@code List<byte[]>} for a
 * list or set of strings or bytes, and {@code null} for a feature the record lacks (or
 * NULL). The remaining kinds (maps, structs, value lists, zoned timestamps) come as the
 * binding's {@link dev.feastaerospike.proto.TypesProto.Value} message.
 */
public final class ViewValues {
    private final String featureView;
    private final List<String> featureNames;
    private final List<Row> rows;

    ViewValues(String featureView, List<String> featureNames, List<Row> rows) {
        this.featureView = featureView;
        this.featureNames = featureNames;
        this.rows = rows;
    }

    public String featureView() {
        return featureView;
    }

    /** The features of every found row, in the order of their values. */
    public List<String> featureNames() {
        return featureNames;
    }

    /** One row per requested entity key, in request order. */
    public List<Row> rows() {
        return rows;
    }

    /** The position of {@code feature} in {@link #featureNames()}, or -1. */
    public int featureIndex(String feature) {
        return featureNames.indexOf(feature);
    }

    @Override
    public String toString() {
        return "ViewValues[" + featureView + ", " + featureNames + ", " + rows + "]";
    }

    /** One entity's data for the view. */
    public static final class Row {
        static final Row NOT_FOUND = new Row(false, false, 0, 0, new Object[0]);

        private final boolean found;
        private final boolean hasEventTimestamp;
        private final long eventSeconds;
        private final int eventNanos;
        private final Object[] values;

        Row(boolean found, boolean hasEventTimestamp, long eventSeconds, int eventNanos, Object[] values) {
            this.found = found;
            this.hasEventTimestamp = hasEventTimestamp;
            this.eventSeconds = eventSeconds;
            this.eventNanos = eventNanos;
            this.values = values;
        }

        /** False when the entity has no data for this view; it then has no values. */
        public boolean found() {
            return found;
        }

        /** The values' event time, or null when the row has none. */
        public Instant eventTimestamp() {
            return hasEventTimestamp ? Instant.ofEpochSecond(eventSeconds, eventNanos) : null;
        }

        /** Whether the row carries an event time. */
        public boolean hasEventTimestamp() {
            return hasEventTimestamp;
        }

        /** The event time's seconds since the epoch (0 when the row has none); allocates nothing. */
        public long eventEpochSecond() {
            return eventSeconds;
        }

        /** The event time's nanoseconds within its second (0 when the row has none). */
        public int eventNano() {
            return eventNanos;
        }

        /** The number of values (the view's feature count when found, else 0). */
        public int size() {
            return values.length;
        }

        /** The value of the {@code index}-th feature of {@link ViewValues#featureNames()}. */
        public Object value(int index) {
            return values[index];
        }

        /** All values, aligned with {@link ViewValues#featureNames()} (an unmodifiable view). */
        public List<Object> values() {
            return Collections.unmodifiableList(Arrays.asList(values));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && found == r.found && hasEventTimestamp == r.hasEventTimestamp
                    && eventSeconds == r.eventSeconds && eventNanos == r.eventNanos
                    && Arrays.deepEquals(values, r.values);
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(values) * 31 + Long.hashCode(eventSeconds) + (found ? 1 : 0);
        }

        @Override
        public String toString() {
            return found ? "Row[" + eventTimestamp() + ", " + Arrays.deepToString(values) + "]" : "Row[not found]";
        }
    }
}
