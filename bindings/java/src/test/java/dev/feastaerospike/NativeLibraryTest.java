// The loader's search order and its failures: each names what was tried and what to do.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryTest {
    private static final Function<String, InputStream> NO_RESOURCES = name -> null;
    private static final String FILE_NAME = System.mapLibraryName("feast_aerospike");

    @TempDir
    Path dir;

    @Test
    void propertyWinsOverEverythingElse() throws IOException {
        Path byProperty = touch(dir.resolve("a.so"));
        Path byEnv = touch(dir.resolve("b.so"));
        touch(dir.resolve(FILE_NAME));
        NativeLibrary.Located found = NativeLibrary.locate(byProperty.toString(), byEnv.toString(),
                dir.toString(), name -> new ByteArrayInputStream(new byte[1]));
        assertEquals(byProperty, found.path());
        assertTrue(found.source().contains(NativeLibrary.PATH_PROPERTY));
    }

    @Test
    void environmentVariableIsNextThenJavaLibraryPath() throws IOException {
        Path byEnv = touch(dir.resolve("b.so"));
        assertEquals(byEnv, NativeLibrary.locate(null, byEnv.toString(), "", NO_RESOURCES).path());
        Path inPath = touch(dir.resolve(FILE_NAME));
        NativeLibrary.Located found = NativeLibrary.locate("", " ", "/nonexistent:" + dir, NO_RESOURCES);
        assertEquals(inPath, found.path());
        assertEquals("java.library.path", found.source());
    }

    @Test
    void aBrokenOverrideFailsInsteadOfFallingBack() throws IOException {
        touch(dir.resolve(FILE_NAME));
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.locate(
                dir.resolve("missing.so").toString(), null, dir.toString(), NO_RESOURCES));
        assertTrue(e.getMessage().contains("missing.so"), e.getMessage());
        assertTrue(e.getMessage().contains("cargo build --release"), e.getMessage());
    }

    @Test
    void thePackedCopyIsExtractedLast() throws IOException {
        byte[] content = {1, 2, 3, 4};
        String[] asked = new String[1];
        NativeLibrary.Located found = NativeLibrary.locate(null, null, dir.toString(), name -> {
            asked[0] = name;
            return new ByteArrayInputStream(content);
        });
        assertEquals(NativeLibrary.resourceName(), asked[0]);
        assertTrue(asked[0].startsWith("/native/") && asked[0].endsWith(FILE_NAME), asked[0]);
        assertArrayEquals(content, Files.readAllBytes(found.path()));
        assertTrue(found.source().contains("jar"), found.source());
    }

    @Test
    void nothingFoundListsEverySourceAndWhatToDo() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.locate(null, null, dir.toString(), NO_RESOURCES));
        String m = e.getMessage();
        assertTrue(m.contains(NativeLibrary.PATH_PROPERTY) && m.contains(NativeLibrary.PATH_ENV), m);
        assertTrue(m.contains(dir.resolve(FILE_NAME).toString()), m);
        assertTrue(m.contains(NativeLibrary.resourceName()), m);
        assertTrue(m.contains("cargo build --release"), m);
    }

    @Test
    void aFileThatIsNotALibraryIsRefused() throws IOException {
        Path bogus = Files.writeString(dir.resolve("libbogus.so"), "not an ELF file");
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.open(new NativeLibrary.Located(bogus, "test")));
        assertTrue(e.getMessage().contains("cannot open") && e.getMessage().contains("libbogus.so"), e.getMessage());
    }

    // In-process checks of fake libraries go through Panama only: JNI binds a native
    // method once per JVM, to the first library that has it, so the JNI path's checks
    // run in a fresh JVM each (jniRefuses...).

    @Test
    void aLibraryWithAnotherAbiVersionIsRefused() throws Exception {
        assumeTrue(NativeLibrary.panamaAvailable(), "Panama FFM needs JDK 22+");
        Path lib = compile("unsigned int fas_abi_version(void) { return 999; }\n", "libwrongabi.so");
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.open(new NativeLibrary.Located(lib, "test"), "panama"));
        assertTrue(e.getMessage().contains("ABI version 999"), e.getMessage());
        assertTrue(e.getMessage().contains("needs ABI version " + NativeLibrary.EXPECTED_ABI_VERSION), e.getMessage());
    }

    @Test
    void aLibraryWithoutTheVersionFunctionIsRefused() throws Exception {
        assumeTrue(NativeLibrary.panamaAvailable(), "Panama FFM needs JDK 22+");
        Path lib = compile("int something_else(void) { return 1; }\n", "libother.so");
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.open(new NativeLibrary.Located(lib, "test"), "panama"));
        assertTrue(e.getMessage().contains("not a feast-aerospike library"), e.getMessage());
    }

    @Test
    void theMatchingVersionIsAccepted() throws Exception {
        assumeTrue(NativeLibrary.panamaAvailable(), "Panama FFM needs JDK 22+");
        Path lib = compile("unsigned int fas_abi_version(void) { return "
                + NativeLibrary.EXPECTED_ABI_VERSION + "; }\n", "libgoodabi.so");
        assertEquals(NativeLibrary.EXPECTED_ABI_VERSION,
                NativeLibrary.open(new NativeLibrary.Located(lib, "test"), "panama").abiVersion());
    }

    @Test
    void jniRefusesALibraryWithAnotherAbiVersion() throws Exception {
        Path lib = compile("int Java_dev_feastaerospike_JniNative_abiVersion0(void *env, void *cls)"
                + " { (void)env; (void)cls; return 999; }\n", "libwrongabijni.so");
        String out = probe(lib, "jni", 1);
        assertTrue(out.contains("ABI version 999") && out.contains("needs ABI version "
                + NativeLibrary.EXPECTED_ABI_VERSION), out);
    }

    @Test
    void jniRefusesALibraryWithoutItsEntryPoints() throws Exception {
        Path lib = compile("int something_else(void) { return 1; }\n", "libotherjni.so");
        String out = probe(lib, "jni", 1);
        assertTrue(out.contains("not a feast-aerospike library"), out);
    }

    @Test
    void aBackendThisJdkLacksIsRefusedWithTheReason() throws Exception {
        assumeTrue(!NativeLibrary.panamaAvailable(), "this JDK has Panama FFM");
        Path lib = Path.of(System.getProperty("feastaerospike.library.path"));
        String out = probe(lib, "panama", 1);
        assertTrue(out.contains("needs JDK " + NativeLibrary.PANAMA_MIN_JDK), out);
    }

    @Test
    void theAutomaticChoiceIsPanamaFrom22AndJniBefore() throws Exception {
        Path lib = Path.of(System.getProperty("feastaerospike.library.path"));
        String expected = NativeLibrary.panamaAvailable() ? "panama" : "jni";
        assertTrue(probe(lib, "auto", 0).contains("backend " + expected));
        assertTrue(probe(lib, "jni", 0).contains("backend jni"));
    }

    /** Runs LoaderProbe in a fresh JVM with the given library and call path. */
    static String probe(Path lib, String backend, int expectedExit) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-D" + NativeLibrary.PATH_PROPERTY + "=" + lib,
                "-D" + NativeLibrary.BACKEND_PROPERTY + "=" + backend, "-cp", classPath, LoaderProbe.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(expectedExit, p.exitValue(), out);
        return out;
    }

    /** Builds a tiny shared library with the system C compiler (gcc is on every CI machine). */
    private Path compile(String source, String name) throws Exception {
        Path src = Files.writeString(dir.resolve(name + ".c"), source);
        Path out = dir.resolve(name);
        Process p = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", out.toString(), src.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "cc timed out");
        assertEquals(0, p.exitValue(), log);
        return out;
    }

    private static Path touch(Path p) throws IOException {
        return Files.write(p, new byte[] {0});
    }
}
