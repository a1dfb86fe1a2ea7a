// Production-shaped clusters through the test server binary (a test double
// of the Aerospike wire protocol, not Aerospike): mutual TLS with login,
// refused credentials and a wrong CA with their statuses and result codes,
// a node stopped under a store and a node added.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.feastaerospike.proto.StoreProto.EntityRow;
import dev.feastaerospike.proto.StoreProto.ReadRequest;
import dev.feastaerospike.proto.StoreProto.ViewRead;
import dev.feastaerospike.proto.StoreProto.ViewResult;
import dev.feastaerospike.proto.StoreProto.WriteBatchRequest;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecurityTest {
    private static WriteBatchRequest batch(long from, long to) {
        WriteBatchRequest.Builder b = WriteBatchRequest.newBuilder().setFeatureView(BenchData.NARROW);
        for (long id = from; id < to; id++) {
            b.addRows(BenchData.row(BenchData.NARROW, id));
        }
        return b.build();
    }

    /** Writes until every row is confirmed (the client follows the new map), at most 10 s. */
    private static void writeUntilConfirmed(AerospikeOnlineStore store, long from, long to) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                WriteBatchResponse r = store.writeBatch(batch(from, to));
                if (r.getFailuresCount() == 0) {
                    assertEquals(to - from, r.getRowsWritten());
                    return;
                }
            } catch (FeastAerospikeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            assertTrue(System.nanoTime() < deadline, "write never confirmed");
            Thread.sleep(100);
        }
    }

    private static void expectAll(AerospikeOnlineStore store, long n) {
        ReadRequest.Builder r = ReadRequest.newBuilder()
                .addViews(ViewRead.newBuilder().setFeatureView(BenchData.NARROW).build());
        for (long id = 0; id < n; id++) {
            r.addEntityKeys(BenchData.key(id));
        }
        ViewResult view = store.read(r.build()).getViews(0);
        for (int i = 0; i < n; i++) {
            EntityRow row = view.getRows(i);
            assertTrue(row.getFound(), "entity " + i + " lost");
            assertEquals(BenchData.narrowValue(i, 0), row.getValues(0));
        }
    }

    /** Field {@code index} of node {@code node} in testserver-nodes (I,ID,ADDR,TLS_ADDR,state). */
    private static String node(TestServer server, int node, int index) throws Exception {
        return server.query("testserver-nodes").split(";")[node].split(",")[index];
    }

    @Test
    void nodeStoppedAndNodeAddedLoseNothing() throws Exception {
        try (TestServer server = TestServer.start("--nodes", "3");
                AerospikeOnlineStore store = server.config("j_cluster_nodes").open()) {
            writeUntilConfirmed(store, 0, 200);
            server.info("testserver-node-stop:node=1");
            assertEquals("down", node(server, 1, 4));
            expectAllEventually(store, 200);
            writeUntilConfirmed(store, 200, 300);
            server.info("testserver-node-add");
            assertEquals("up", node(server, 3, 4));
            writeUntilConfirmed(store, 300, 400);
            expectAll(store, 400);
        }
    }

    private static void expectAllEventually(AerospikeOnlineStore store, long n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                expectAll(store, n);
                return;
            } catch (FeastAerospikeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void mutualTlsWithLoginAndItsRefusals(@TempDir Path dir) throws Exception {
        Process gen = new ProcessBuilder(TestServer.binary().toString(), "gen-certs", dir.toString())
                .inheritIO().start();
        assertTrue(gen.waitFor(60, TimeUnit.SECONDS) && gen.exitValue() == 0, "gen-certs");
        assertTrue(Files.exists(dir.resolve("client.key")));
        String d = dir.toString();
        try (TestServer server = TestServer.start("--nodes", "2", "--user", "feast:s3cr3t-pw",
                "--tls-cert", d + "/server.pem", "--tls-key", d + "/server.key",
                "--tls-name", "feast-testserver", "--tls-client-ca", d + "/ca.pem")) {
            String tlsAddr = node(server, 0, 3);
            int tlsPort = Integer.parseInt(tlsAddr.substring(tlsAddr.lastIndexOf(':') + 1));
            java.util.function.BiFunction<String, String, OnlineStoreConfig> config = (password, ca) ->
                    OnlineStoreConfig.builder().project("j_cluster_tls")
                            .host("127.0.0.1", tlsPort, "feast-testserver")
                            .user("feast").password(password)
                            .tls(Map.of("cafile", d + "/" + ca, "certfile", d + "/client.pem",
                                    "keyfile", d + "/client.key"))
                            .build();
            try (AerospikeOnlineStore store = AerospikeOnlineStore.open(config.apply("s3cr3t-pw", "ca.pem"))) {
                writeUntilConfirmed(store, 0, 50);
                expectAll(store, 50);
            }
            ConfigException wrong = assertThrows(ConfigException.class,
                    () -> AerospikeOnlineStore.open(config.apply("not-the-pw", "ca.pem")));
            assertEquals(Status.CONFIG, wrong.status());
            assertEquals(62, wrong.resultCode());
            assertFalse(wrong.getMessage().contains("not-the-pw"), wrong.getMessage());
            long started = System.nanoTime();
            ConnectionException badCa = assertThrows(ConnectionException.class,
                    () -> AerospikeOnlineStore.open(config.apply("s3cr3t-pw", "other-ca.pem")));
            assertTrue(badCa.getMessage().contains(tlsAddr), badCa.getMessage());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "wrong CA must not hang");
        }
    }
}
