// Decodes a ReadResponse straight into Feast's Java types, one pass, no mirror
// objects in between: wide reads carry thousands of values per call and a
// second conversion per value would cost as much as the read itself.
package dev.feastaerospike;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.WireFormat;
import feast.proto.types.ValueProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the wire format of {@code feast_aerospike.v1.ReadResponse} (store.proto) into
 * {@link AerospikeOnlineStore.OnlineReadResult}s. Field numbers below are those of
 * store.proto; OnlineReadDecoderTest checks this decoder against the generated classes.
 */
final class OnlineReadDecoder {
    // ReadResponse
    private static final int RESPONSE_VIEWS = 1;
    // ViewResult
    private static final int VIEW_NAME = 1;
    private static final int VIEW_FEATURE_NAMES = 2;
    private static final int VIEW_ROWS = 3;
    // EntityRow
    private static final int ROW_FOUND = 1;
    private static final int ROW_EVENT_TIMESTAMP = 2;
    private static final int ROW_VALUES = 3;
    // google.protobuf.Timestamp
    private static final int TS_SECONDS = 1;
    private static final int TS_NANOS = 2;

    private OnlineReadDecoder() {}

    static List<AerospikeOnlineStore.OnlineReadResult> decode(ByteBuffer bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        List<AerospikeOnlineStore.OnlineReadResult> views = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (tag == ((RESPONSE_VIEWS << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                int limit = in.pushLimit(in.readRawVarint32());
                views.add(view(in));
                in.popLimit(limit);
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        return Collections.unmodifiableList(views);
    }

    private static AerospikeOnlineStore.OnlineReadResult view(CodedInputStream in) throws IOException {
        String name = "";
        List<String> names = new ArrayList<>();
        List<List<ValueProto.Value>> values = new ArrayList<>();
        List<Instant> timestamps = new ArrayList<>();
        List<Boolean> found = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case (VIEW_NAME << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readStringRequireUtf8();
                case (VIEW_FEATURE_NAMES << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        names.add(in.readStringRequireUtf8());
                case (VIEW_ROWS << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    row(in, found, timestamps, values);
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        // Rows may precede feature names on the wire, so pair them up at the end.
        List<String> featureNames = List.copyOf(names);
        List<AerospikeOnlineStore.OnlineRow> rows = new ArrayList<>(found.size());
        for (int r = 0; r < found.size(); r++) {
            if (!found.get(r)) {
                rows.add(AerospikeOnlineStore.OnlineRow.NOT_FOUND);
                continue;
            }
            List<ValueProto.Value> vs = values.get(r);
            Map<String, ValueProto.Value> features = new LinkedHashMap<>(featureNames.size() * 2);
            for (int i = 0; i < vs.size() && i < featureNames.size(); i++) {
                features.put(featureNames.get(i), vs.get(i));
            }
            rows.add(new AerospikeOnlineStore.OnlineRow(true, timestamps.get(r), Collections.unmodifiableMap(features)));
        }
        return new AerospikeOnlineStore.OnlineReadResult(name, featureNames, Collections.unmodifiableList(rows));
    }

    private static void row(CodedInputStream in, List<Boolean> found, List<Instant> timestamps,
            List<List<ValueProto.Value>> values) throws IOException {
        boolean isFound = false;
        Instant ts = null;
        List<ValueProto.Value> vs = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case (ROW_FOUND << 3) | WireFormat.WIRETYPE_VARINT -> isFound = in.readBool();
                case (ROW_EVENT_TIMESTAMP << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    ts = timestamp(in);
                    in.popLimit(limit);
                }
                case (ROW_VALUES << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        vs.add(in.readMessage(ValueProto.Value.parser(), ExtensionRegistryLite.getEmptyRegistry()));
                default -> in.skipField(tag);
            }
        }
        found.add(isFound);
        timestamps.add(ts);
        values.add(vs);
    }

    private static Instant timestamp(CodedInputStream in) throws IOException {
        long seconds = 0;
        int nanos = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case (TS_SECONDS << 3) | WireFormat.WIRETYPE_VARINT -> seconds = in.readInt64();
                case (TS_NANOS << 3) | WireFormat.WIRETYPE_VARINT -> nanos = in.readInt32();
                default -> in.skipField(tag);
            }
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }
}
