// Downcall handles for every function of the C ABI (docs/ABI.md), bound once.
// Only this class and AerospikeOnlineStore's call path touch native memory.
package dev.feastaerospike;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C ABI as method handles. Static finals so the JIT can inline the downcalls.
 * Initialising this class loads the library; callers go through {@link NativeLibrary#get()}
 * first so a load failure surfaces as its own clear error, not a class-init error.
 */
final class Native {
    /** {@code size_t}; the ABI passes every length as one. */
    static final ValueLayout SIZE_T = (ValueLayout) Linker.nativeLinker().canonicalLayouts().get("size_t");

    private static final SymbolLookup SYMBOLS = NativeLibrary.get().symbols();

    static final MethodHandle VERSION = bind("fas_version", FunctionDescriptor.of(ADDRESS));
    static final MethodHandle STORE_OPEN = bind("fas_store_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, SIZE_T, ADDRESS, ADDRESS));
    static final MethodHandle STORE_WRITE_BATCH = bind("fas_store_write_batch", requestResponse());
    static final MethodHandle STORE_READ = bind("fas_store_read", requestResponse());
    static final MethodHandle STORE_UPDATE = bind("fas_store_update", requestResponse());
    static final MethodHandle STORE_TEARDOWN = bind("fas_store_teardown", requestResponse());
    /**
     * {@code fas_store_metrics} takes no request; the two dropped arguments give it the
     * request/response shape, so the one call path serves it too.
     */
    static final MethodHandle STORE_METRICS = java.lang.invoke.MethodHandles.dropArguments(
            bind("fas_store_metrics", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS)),
            1, java.lang.foreign.MemorySegment.class, long.class);
    static final MethodHandle STORE_CLOSE = bind("fas_store_close", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle STORE_FREE = bind("fas_store_free", FunctionDescriptor.ofVoid(ADDRESS));
    static final MethodHandle BUFFER_FREE = bind("fas_buffer_free", FunctionDescriptor.ofVoid(ADDRESS, SIZE_T));
    static final MethodHandle ERROR_CODE = bind("fas_error_code", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ERROR_RESULT_CODE = bind("fas_error_result_code", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ERROR_MESSAGE = bind("fas_error_message", FunctionDescriptor.of(ADDRESS, ADDRESS));
    static final MethodHandle ERROR_FREE = bind("fas_error_free", FunctionDescriptor.ofVoid(ADDRESS));

    private Native() {}

    /** (store, request, request_len, out_response, out_response_len, out_error) -> status */
    private static FunctionDescriptor requestResponse() {
        return FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, SIZE_T, ADDRESS, ADDRESS, ADDRESS);
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = SYMBOLS.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "feast-aerospike native library " + NativeLibrary.get().location().path()
                + " lacks " + name + " although its ABI version matches: the library is broken."));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    /** Reads a NUL-terminated UTF-8 string the library owns (valid until it is freed). */
    static String cString(MemorySegment ptr) {
        if (ptr.equals(MemorySegment.NULL)) {
            return "";
        }
        return ptr.reinterpret(Integer.MAX_VALUE).getString(0);
    }

    /**
     * Turns a failed status and its optional error object into the exception, freeing
     * the error object. The message says which operation failed.
     */
    static FeastAerospikeException takeError(int status, MemorySegment error, String operation) {
        if (error.equals(MemorySegment.NULL)) {
            return FeastAerospikeException.of(status, FeastAerospikeException.NO_RESULT_CODE,
                    operation + " failed (no error details from the library)");
        }
        try {
            int code = (int) ERROR_CODE.invokeExact(error);
            int resultCode = (int) ERROR_RESULT_CODE.invokeExact(error);
            String message = cString((MemorySegment) ERROR_MESSAGE.invokeExact(error));
            if (code != status) {
                message = message + " (status " + status + ", error object says " + code + ")";
            }
            // The library's messages start with the operation already; keep one prefix.
            if (!message.startsWith(operation + ":")) {
                message = operation + ": " + message;
            }
            return FeastAerospikeException.of(status, resultCode, message);
        } catch (Throwable t) {
            throw new AssertionError("error accessors cannot fail", t);
        } finally {
            free(ERROR_FREE, error);
        }
    }

    static void free(MethodHandle freeFn, MemorySegment ptr) {
        try {
            freeFn.invokeExact(ptr);
        } catch (Throwable t) {
            throw new AssertionError("native free cannot fail", t);
        }
    }
}
