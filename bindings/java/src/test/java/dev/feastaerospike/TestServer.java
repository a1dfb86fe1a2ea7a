// Runs the feast-aerospike test server binary (a test double speaking the
// Aerospike wire protocol; not Aerospike) for the duration of a test class.
package dev.feastaerospike;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

final class TestServer implements AutoCloseable {
    private static final String PREFIX = "feast-aerospike-testserver listening on ";

    private final Process process;
    private final int port;

    private TestServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the binary on an ephemeral port and waits for its "listening on" line. */
    static TestServer start() throws IOException, InterruptedException {
        Path binary = Path.of(System.getProperty("feastaerospike.testserver",
                "../../target/debug/feast-aerospike-testserver"));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("test server binary " + binary + " is missing: run"
                    + " `cargo build -p feast-aerospike-testserver` (scripts/ci/java.sh does)");
        }
        Process p = new ProcessBuilder(binary.toString(), "--listen", "127.0.0.1:0")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("test server did not announce its address within 30 s", e);
        }
        if (line == null || !line.startsWith(PREFIX)) {
            p.destroyForcibly();
            throw new IllegalStateException("unexpected first line from the test server: " + line);
        }
        String addr = line.substring(line.lastIndexOf(' ') + 1);
        int port = Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
        // Keep draining stdout so the server never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "testserver-stdout");
        drain.setDaemon(true);
        drain.start();
        return new TestServer(p, port);
    }

    int port() {
        return port;
    }

    /** A configuration for this server; each test uses its own project, so its own set. */
    OnlineStoreConfig.Builder config(String project) {
        return OnlineStoreConfig.builder().project(project).host("127.0.0.1", port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
