// The Panama FFM path to the C ABI (JDK 22+): downcall handles for every function,
// bound once per library. Compiled with --release 22 into the same jar as the
// JDK 17 classes; NativeLibrary only loads it on a JDK that has FFM.
package dev.feastaerospike;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The C ABI as method handles. Requests are serialised straight into arena memory and
 * responses decoded straight from the library's buffer: no Java byte[] copies.
 */
final class PanamaNative implements NativeBackend {
    /** {@code size_t}; the ABI passes every length as one. */
    private static final ValueLayout SIZE_T =
            (ValueLayout) Linker.nativeLinker().canonicalLayouts().get("size_t");

    private final Path path;
    private final SymbolLookup symbols;
    private final MethodHandle abiVersion;
    /** Every other function, bound on first use (after NativeLibrary checked the ABI). */
    private volatile Calls calls;

    /** The C ABI's functions as downcall handles. */
    private static final class Calls {
        final MethodHandle version;
        final MethodHandle storeOpen;
        final MethodHandle[] requestResponse = new MethodHandle[Operation.values().length];
        final MethodHandle storeClose;
        final MethodHandle storeFree;
        final MethodHandle bufferFree;
        final MethodHandle errorCode;
        final MethodHandle errorResultCode;
        final MethodHandle errorMessage;
        final MethodHandle errorFree;
        final MethodHandle debugPanic;

        Calls(PanamaNative lib) {
            version = lib.bind("fas_version", FunctionDescriptor.of(ADDRESS));
            storeOpen = lib.bind("fas_store_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, SIZE_T, ADDRESS, ADDRESS));
            // (store, request, request_len, out_response, out_response_len, out_error) -> status
            FunctionDescriptor call = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, SIZE_T, ADDRESS, ADDRESS, ADDRESS);
            requestResponse[Operation.WRITE_BATCH.ordinal()] = lib.bind("fas_store_write_batch", call);
            requestResponse[Operation.READ.ordinal()] = lib.bind("fas_store_read", call);
            requestResponse[Operation.UPDATE.ordinal()] = lib.bind("fas_store_update", call);
            requestResponse[Operation.TEARDOWN.ordinal()] = lib.bind("fas_store_teardown", call);
            // fas_store_metrics takes no request; the two dropped arguments give it the
            // request/response shape, so the one call path serves it too.
            requestResponse[Operation.METRICS.ordinal()] = MethodHandles.dropArguments(
                    lib.bind("fas_store_metrics", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS)),
                    1, MemorySegment.class, long.class);
            storeClose = lib.bind("fas_store_close", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            storeFree = lib.bind("fas_store_free", FunctionDescriptor.ofVoid(ADDRESS));
            bufferFree = lib.bind("fas_buffer_free", FunctionDescriptor.ofVoid(ADDRESS, SIZE_T));
            errorCode = lib.bind("fas_error_code", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            errorResultCode = lib.bind("fas_error_result_code", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            errorMessage = lib.bind("fas_error_message", FunctionDescriptor.of(ADDRESS, ADDRESS));
            errorFree = lib.bind("fas_error_free", FunctionDescriptor.ofVoid(ADDRESS));
            debugPanic = lib.bind("fas_debug_panic", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        }
    }

    /**
     * Opens the library and binds only {@code fas_abi_version}, so NativeLibrary can refuse
     * a library of another ABI (naming its version) before anything else is looked up.
     */
    PanamaNative(Path library) {
        this.path = library;
        try {
            symbols = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new UnsatisfiedLinkError("cannot open " + library + ": " + e.getMessage()
                    + ". If the message mentions native access, run java with --enable-native-access=ALL-UNNAMED");
        }
        abiVersion = symbols.find("fas_abi_version").map(s -> Linker.nativeLinker().downcallHandle(s,
                FunctionDescriptor.of(JAVA_INT))).orElse(null);
    }

    private Calls calls() {
        Calls c = calls;
        if (c == null) {
            synchronized (this) {
                c = calls;
                if (c == null) {
                    c = new Calls(this);
                    calls = c;
                }
            }
        }
        return c;
    }

    private MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = symbols.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "feast-aerospike native library " + path + " lacks " + name
                + " although its ABI version matches: the library is broken"));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    @Override
    public String name() {
        return "panama";
    }

    @Override
    public int abiVersion() {
        if (abiVersion == null) {
            throw new UnsatisfiedLinkError(path + " has no fas_abi_version symbol");
        }
        try {
            return (int) abiVersion.invokeExact();
        } catch (Throwable t) {
            throw new UnsatisfiedLinkError("fas_abi_version failed in " + path + ": " + t);
        }
    }

    @Override
    public String version() {
        Calls c = calls();
        try {
            return cString((MemorySegment) c.version.invokeExact());
        } catch (Throwable t) {
            throw downcallFailed("version", t);
        }
    }

    @Override
    public long open(Request init) {
        Calls c = calls();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = encode(arena, init);
            MemorySegment outStore = arena.allocate(ADDRESS);
            MemorySegment outError = arena.allocate(ADDRESS);
            int status;
            try {
                status = (int) c.storeOpen.invokeExact(request, request.byteSize(), outStore, outError);
            } catch (Throwable t) {
                throw downcallFailed("open", t);
            }
            if (status != Status.OK.code()) {
                throw takeError(status, outError.get(ADDRESS, 0), "open");
            }
            return outStore.get(ADDRESS, 0).address();
        }
    }

    @Override
    public <T> T call(Operation operation, long store, Request request, Decoder<T> decoder) {
        Calls c = calls();
        MethodHandle fn = c.requestResponse[operation.ordinal()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = encode(arena, request);
            MemorySegment outResponse = arena.allocate(ADDRESS);
            MemorySegment outLength = arena.allocate(JAVA_LONG);
            MemorySegment outError = arena.allocate(ADDRESS);
            int status;
            try {
                status = (int) fn.invokeExact(MemorySegment.ofAddress(store), req, req.byteSize(), outResponse,
                        outLength, outError);
            } catch (Throwable t) {
                throw downcallFailed(operation.label, t);
            }
            if (status != Status.OK.code()) {
                throw takeError(status, outError.get(ADDRESS, 0), operation.label);
            }
            MemorySegment buffer = outResponse.get(ADDRESS, 0);
            long length = outLength.get(JAVA_LONG, 0);
            try {
                ByteBuffer bytes = length == 0 ? ByteBuffer.allocate(0) : buffer.reinterpret(length).asByteBuffer();
                return NativeBackend.decode(operation.label, bytes, decoder);
            } finally {
                try {
                    c.bufferFree.invokeExact(buffer, length);
                } catch (Throwable t) {
                    throw downcallFailed("buffer_free", t);
                }
            }
        }
    }

    @Override
    public FeastAerospikeException close(long store) {
        Calls c = calls();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment outError = arena.allocate(ADDRESS);
            int status = (int) c.storeClose.invokeExact(MemorySegment.ofAddress(store), outError);
            return status == Status.OK.code() ? null : takeError(status, outError.get(ADDRESS, 0), "close");
        } catch (Throwable t) {
            return new InternalException(FeastAerospikeException.NO_RESULT_CODE, "close: downcall failed: " + t);
        }
    }

    @Override
    public void free(long store) {
        free(calls().storeFree, MemorySegment.ofAddress(store));
    }

    @Override
    public FeastAerospikeException debugPanic(String message) {
        Calls c = calls();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment outError = arena.allocate(ADDRESS);
            int status = (int) c.debugPanic.invokeExact(arena.allocateFrom(message), outError);
            return takeError(status, outError.get(ADDRESS, 0), "debug_panic");
        } catch (Throwable t) {
            throw downcallFailed("debug_panic", t);
        }
    }

    /** Serialises a request into arena memory; an empty one is the ABI's (NULL, 0). */
    private static MemorySegment encode(Arena arena, Request request) {
        int size = request.size();
        if (size == 0) {
            return MemorySegment.NULL;
        }
        MemorySegment segment = arena.allocate(size);
        request.writeTo(segment.asByteBuffer());
        return segment;
    }

    /** Reads a NUL-terminated UTF-8 string the library owns (valid until it is freed). */
    private static String cString(MemorySegment ptr) {
        if (ptr.equals(MemorySegment.NULL)) {
            return "";
        }
        return ptr.reinterpret(Integer.MAX_VALUE).getString(0);
    }

    /** Turns a failed status and its optional error object into the exception, freeing the object. */
    private FeastAerospikeException takeError(int status, MemorySegment error, String operation) {
        if (error.equals(MemorySegment.NULL)) {
            return NativeBackend.failureWithoutDetails(operation, status);
        }
        Calls c = calls();
        try {
            int code = (int) c.errorCode.invokeExact(error);
            int resultCode = (int) c.errorResultCode.invokeExact(error);
            String message = cString((MemorySegment) c.errorMessage.invokeExact(error));
            return NativeBackend.failure(operation, status, code, resultCode, message);
        } catch (Throwable t) {
            throw new AssertionError("error accessors cannot fail", t);
        } finally {
            free(c.errorFree, error);
        }
    }

    private static void free(MethodHandle freeFn, MemorySegment ptr) {
        try {
            freeFn.invokeExact(ptr);
        } catch (Throwable t) {
            throw new AssertionError("native free cannot fail", t);
        }
    }

    private static RuntimeException downcallFailed(String operation, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new InternalException(FeastAerospikeException.NO_RESULT_CODE, operation + ": downcall failed: " + t);
    }
}
