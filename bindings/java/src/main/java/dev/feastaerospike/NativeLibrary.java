// Finds and opens the feast-aerospike shared library, in a fixed order:
// explicit override, then java.library.path, then the copy packed in the jar,
// and picks how to call it: Panama FFM on JDK 22+, JNI before (NativeBackend).
// A missing or ABI-mismatched library fails fast with what to do about it.
package dev.feastaerospike;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Locates, opens and version-checks the native library, once per class loader. */
final class NativeLibrary {
    /** System property naming the library file to load; wins over everything else. */
    static final String PATH_PROPERTY = "feastaerospike.library.path";
    /** Environment variable naming the library file, used when the property is unset. */
    static final String PATH_ENV = "FEAST_AEROSPIKE_LIBRARY";
    static final String LIBRARY_NAME = "feast_aerospike";
    /** System property choosing the call path: {@code auto} (default), {@code panama} or {@code jni}. */
    static final String BACKEND_PROPERTY = "feastaerospike.native.backend";
    /** The first JDK whose Panama FFM API is final (and that the Panama classes are compiled for). */
    static final int PANAMA_MIN_JDK = 22;
    /** The {@code FAS_ABI_VERSION} of include/feast_aerospike.h this binding was written for. */
    static final int EXPECTED_ABI_VERSION = 1;

    private static final String HOW_TO_FIX = "Build the library with `cargo build --release` in the"
            + " feast-aerospike repository and point -D" + PATH_PROPERTY + " (or " + PATH_ENV
            + ") at target/release/" + System.mapLibraryName(LIBRARY_NAME)
            + ", put its directory on java.library.path, or use a jar built after the library"
            + " (it then packs a copy).";

    /** Where a library was found: the file to open and a description of the source. */
    record Located(Path path, String source) {}

    private static Loaded loaded;
    private static String failure;

    /** An opened, version-checked library. */
    record Loaded(NativeBackend backend, Located location, int abiVersion) {}

    private NativeLibrary() {}

    /**
     * The loaded library. The first call loads it; later calls return the same one, or
     * throw the same failure again (so every caller sees why, not a bare class-init error).
     */
    static synchronized Loaded get() {
        if (loaded != null) {
            return loaded;
        }
        if (failure != null) {
            throw new UnsatisfiedLinkError(failure);
        }
        try {
            Located where = locate(System.getProperty(PATH_PROPERTY), System.getenv(PATH_ENV),
                    System.getProperty("java.library.path", ""), NativeLibrary::openResource);
            loaded = open(where);
            return loaded;
        } catch (UnsatisfiedLinkError e) {
            failure = e.getMessage();
            throw e;
        }
    }

    /**
     * Decides which file to load. Pure apart from reading the candidate files'
     * existence and extracting a packed copy, so tests can drive every branch.
     *
     * @param resources opens a classpath resource by absolute name, or returns null
     */
    static Located locate(String property, String env, String javaLibraryPath,
            Function<String, InputStream> resources) {
        if (property != null && !property.isBlank()) {
            return explicit(Path.of(property.trim()), "system property " + PATH_PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return explicit(Path.of(env.trim()), "environment variable " + PATH_ENV);
        }
        String fileName = System.mapLibraryName(LIBRARY_NAME);
        List<String> tried = new ArrayList<>();
        for (String dir : javaLibraryPath.split(java.io.File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir).resolve(fileName);
            if (Files.isRegularFile(candidate)) {
                return new Located(candidate, "java.library.path");
            }
            tried.add(candidate.toString());
        }
        String resource = resourceName();
        try (InputStream in = resources.apply(resource)) {
            if (in != null) {
                Path copy = Files.createTempFile("libfeast_aerospike-", ".so");
                copy.toFile().deleteOnExit();
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                return new Located(copy, "copy packed in the jar (" + resource + ")");
            }
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract the feast-aerospike native library packed"
                    + " in the jar (" + resource + "): " + e.getMessage() + ". " + HOW_TO_FIX);
        }
        throw new UnsatisfiedLinkError("feast-aerospike native library not found. Tried: system property "
                + PATH_PROPERTY + " (unset), environment variable " + PATH_ENV + " (unset), java.library.path "
                + (tried.isEmpty() ? "(empty)" : tried) + ", jar resource " + resource + " (absent). "
                + HOW_TO_FIX);
    }

    /** An override names one file: if it is wrong, say so rather than load something else. */
    private static Located explicit(Path path, String source) {
        if (!Files.isRegularFile(path)) {
            throw new UnsatisfiedLinkError("feast-aerospike native library " + path + " (from " + source
                    + ") does not exist or is not a file. " + HOW_TO_FIX);
        }
        return new Located(path, source);
    }

    /** Opens the located file and refuses a library built for another ABI version. */
    static Loaded open(Located where) {
        return open(where, System.getProperty(BACKEND_PROPERTY, "auto"));
    }

    static Loaded open(Located where, String backendChoice) {
        NativeBackend backend;
        try {
            backend = backend(backendChoice, where);
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError("cannot open feast-aerospike native library " + where.path()
                    + " (from " + where.source() + "): " + e.getMessage().replaceAll("\\.$", "") + ". " + HOW_TO_FIX);
        }
        int version;
        try {
            version = backend.abiVersion();
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError(where.path() + " (from " + where.source() + ") has no working"
                    + " fas_abi_version (" + e.getMessage() + "): it is not a feast-aerospike library, or one"
                    + " older than this binding. " + HOW_TO_FIX);
        }
        if (version != EXPECTED_ABI_VERSION) {
            throw new UnsatisfiedLinkError("feast-aerospike native library " + where.path() + " (from "
                    + where.source() + ") has ABI version " + Integer.toUnsignedString(version)
                    + " but this Java binding needs ABI version " + EXPECTED_ABI_VERSION
                    + ": use the library and the binding of the same feast-aerospike release. " + HOW_TO_FIX);
        }
        return new Loaded(backend, where, version);
    }

    /** True when this JVM can use the Panama path: JDK 22+ and a jar built with its classes. */
    static boolean panamaAvailable() {
        return Runtime.version().feature() >= PANAMA_MIN_JDK
                && NativeLibrary.class.getResource("PanamaNative.class") != null;
    }

    /** Opens the library through the chosen call path ({@link #BACKEND_PROPERTY}). */
    private static NativeBackend backend(String choice, Located where) {
        String c = choice == null ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
        switch (c) {
            case "jni":
                return new JniNative(where.path());
            case "panama":
                if (!panamaAvailable()) {
                    throw new UnsatisfiedLinkError(BACKEND_PROPERTY + "=panama needs JDK " + PANAMA_MIN_JDK
                            + "+ and a jar with the Panama classes; this is JDK " + Runtime.version().feature());
                }
                return panama(where);
            case "auto":
            case "":
                return panamaAvailable() ? panama(where) : new JniNative(where.path());
            default:
                throw new UnsatisfiedLinkError(BACKEND_PROPERTY + " is '" + choice
                        + "'; use auto, panama or jni");
        }
    }

    /** PanamaNative is compiled for JDK 22: reach it only by name, so JDK 17 never loads it. */
    private static NativeBackend panama(Located where) {
        try {
            return (NativeBackend) Class.forName(NativeLibrary.class.getPackageName() + ".PanamaNative")
                    .getDeclaredConstructor(java.nio.file.Path.class).newInstance(where.path());
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof UnsatisfiedLinkError u) {
                throw u;
            }
            throw new UnsatisfiedLinkError("Panama FFM setup failed: " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new UnsatisfiedLinkError("Panama FFM classes unusable: " + e);
        }
    }

    /** Classpath location of the packed copy, named like os-maven-plugin's classifiers. */
    static String resourceName() {
        return "/native/" + osName() + "-" + archName() + "/" + System.mapLibraryName(LIBRARY_NAME);
    }

    private static String osName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return "linux";
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return "osx";
        }
        if (os.startsWith("windows")) {
            return "windows";
        }
        return os.replaceAll("[^a-z0-9]", "");
    }

    private static String archName() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            default -> arch.replaceAll("[^a-z0-9_]", "");
        };
    }

    private static InputStream openResource(String name) {
        return NativeLibrary.class.getResourceAsStream(name);
    }
}
