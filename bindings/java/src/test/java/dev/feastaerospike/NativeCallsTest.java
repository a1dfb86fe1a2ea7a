// Calls into the real native library that need no server: version, ABI check
// through the default loader, and a native panic surfacing as its exception.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NativeCallsTest {
    @Test
    void theBuiltLibraryLoadsWithTheExpectedAbi() {
        NativeLibrary.Loaded lib = NativeLibrary.get();
        assertEquals(NativeLibrary.EXPECTED_ABI_VERSION, lib.abiVersion());
        assertTrue(lib.location().source().contains(NativeLibrary.PATH_PROPERTY), lib.location().source());
        assertTrue(AerospikeOnlineStore.nativeVersion().matches("\\d+\\.\\d+\\.\\d+.*"),
                AerospikeOnlineStore.nativeVersion());
        // The whole suite runs on the path this JDK takes (Panama from 22, JNI before)
        // unless -Dfeastaerospike.native.backend forces one.
        String forced = System.getProperty(NativeLibrary.BACKEND_PROPERTY, "auto");
        String automatic = Runtime.version().feature() >= NativeLibrary.PANAMA_MIN_JDK ? "panama" : "jni";
        assertEquals(forced.equals("auto") ? automatic : forced, AerospikeOnlineStore.nativeBackend());
        // Both come from scripts/versions.env (scripts/sync-versions.sh).
        assertEquals(System.getProperty("feastaerospike.artifact.version"), AerospikeOnlineStore.nativeVersion());
    }

    @Test
    void withoutOverridesTheCopyPackedInTheJarIsUsed() throws Exception {
        assertNotNull(NativeLibrary.class.getResource(NativeLibrary.resourceName()),
                "the build packs the library (needs target/release/libfeast_aerospike.so before mvn)");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath, LoaderProbe.class.getName());
        pb.environment().remove(NativeLibrary.PATH_ENV);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("copy packed in the jar"), out);
    }

    @Test
    void aMissingOverrideFailsFastWithWhatToDo() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/libx.so",
                "-cp", classPath, LoaderProbe.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("UnsatisfiedLinkError") && out.contains("/nonexistent/libx.so")
                && out.contains("cargo build --release"), out);
    }

    @Test
    void aPanicInsideTheLibraryBecomesNativePanicException() {
        NativePanicException e = assertThrows(NativePanicException.class, () -> DebugPanic.call("java-binding-probe"));
        assertEquals(Status.PANIC, e.status());
        assertTrue(e.getMessage().contains("java-binding-probe"), e.getMessage());
        // the library stays usable after a caught panic
        assertThrows(NativePanicException.class, () -> DebugPanic.call("again"));
    }
}
