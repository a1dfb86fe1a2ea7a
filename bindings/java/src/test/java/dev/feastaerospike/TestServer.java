// Runs the feast-aerospike test server binary (a test double speaking the
// Aerospike wire protocol; not Aerospike) for the duration of a test class.
package dev.feastaerospike;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** The test server binary (built by scripts/ci/java.sh). */
    static Path binary() {
        // FAS_TESTSERVER_BIN: the same variable the Go and Python tests read.
        String override = System.getenv("FAS_TESTSERVER_BIN");
        return Path.of(override != null && !override.isEmpty() ? override
                : System.getProperty("feastaerospike.repo.root", "../..") + "/target/debug/feast-aerospike-testserver");
    }

    /** Starts the binary on an ephemeral port and waits for its "listening on" line. */
    static TestServer start() throws IOException, InterruptedException {
        return start(new String[0]);
    }

    /**
     * Same, with extra arguments (e.g. {@code --nodes 3}, {@code --user u:p},
     * {@code --tls-cert ...}).
     */
    static TestServer start(String... extraArgs) throws IOException, InterruptedException {
        Path binary = binary();
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("test server binary " + binary + " is missing: run"
                    + " `cargo build -p feast-aerospike-testserver` (scripts/ci/java.sh does)");
        }
        // --control: fault injection through testserver-* info commands (see info()).
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--listen", "127.0.0.1:0", "--control"));
        command.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(command)
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

    /**
     * Sends one info command (Aerospike info protocol: version 2, type 1, 48-bit
     * length, then "command\n") and returns the answer's value, e.g. for
     * {@code testserver-fail:code=14;namespace=test}.
     */
    String info(String command) throws IOException {
        String value = query(command);
        if (!value.equals("ok")) {
            throw new IOException("test server refused '" + command + "': " + value);
        }
        return value;
    }

    /** Sends one info command and returns the answer's value, whatever it is. */
    String query(String command) throws IOException {
        byte[] body = (command + "\n").getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeLong((2L << 56) | (1L << 48) | body.length);
            out.write(body);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            long header = in.readLong();
            byte[] answer = new byte[(int) (header & 0xFFFF_FFFF_FFFFL)];
            in.readFully(answer);
            String text = new String(answer, StandardCharsets.UTF_8).trim();
            int tab = text.indexOf('\t');
            return tab >= 0 ? text.substring(tab + 1) : text;
        }
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
