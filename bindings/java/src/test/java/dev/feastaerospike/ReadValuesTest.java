// readValues through the native library and the test server: the same answer as
// read() parsed by protobuf-java, for full, projected and missing-key reads.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.feastaerospike.proto.StoreProto.FeatureView;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ReadResponse;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReadValuesTest {
    private static TestServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void readValuesAgreesWithReadOnBothViews() throws Exception {
        try (AerospikeOnlineStore store = server.config("j_read_values").open()) {
            for (FeatureView view : List.of(BenchData.NARROW, BenchData.WIDE)) {
                WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(view);
                for (long id = 0; id < 20; id++) {
                    b.addRows(BenchData.row(view, id));
                }
                store.writeBatch(b.build());
            }
            ViewRead narrow = ViewRead.newBuilder().setFeatureView(BenchData.NARROW).build();
            ViewRead wide = ViewRead.newBuilder().setFeatureView(BenchData.WIDE).build();
            ViewRead projected = ViewRead.newBuilder().setFeatureView(BenchData.WIDE)
                    .addAllRequestedFeatures(List.of("w091", "w003")).build();
            ReadRequest.Builder req = ReadRequest.newBuilder().addViews(narrow).addViews(wide).addViews(projected);
            for (long id : new long[] {3, 999, 0, 19}) { // 999 was never written
                req.addEntityKeys(BenchData.key(id));
            }
            ReadRequest request = req.build();
            ReadResponse parsed = store.read(request);
            List<ViewValues> direct = store.readValues(request);
            assertEquals(ReadResponseReaderTestSupport.render(ReadResponseReaderTestSupport.reference(parsed)),
                    ReadResponseReaderTestSupport.render(direct));
            assertEquals(3, direct.size());
            assertEquals(List.of(false), List.of(direct.get(0).rows().get(1).found()));
            assertEquals(BenchData.EPOCH_2024 + 19, direct.get(1).rows().get(3).eventEpochSecond());
        }
    }
}
