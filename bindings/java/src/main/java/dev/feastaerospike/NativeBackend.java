// How the binding calls the native library: Panama FFM on JDK 22+ (PanamaNative,
// compiled for 22 from src/main/java22) or JNI on JDK 17-21 (JniNative). Both
// call the same C exports; NativeLibrary picks one when it loads the library.
package dev.feastaerospike;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.nio.ByteBuffer;

/** One way of calling the C ABI. Store handles are native addresses held as {@code long}. */
interface NativeBackend {
    /** "panama" or "jni": what {@link AerospikeOnlineStore#nativeBackend()} reports. */
    String name();

    /** {@code fas_abi_version()} of the loaded library. */
    int abiVersion();

    /** {@code fas_version()}. */
    String version();

    /** {@code fas_store_open}; the handle, or the failure as an exception. */
    long open(Request init);

    /** One request/response export; the response is decoded before its buffer is freed. */
    <T> T call(Operation operation, long store, Request request, Decoder<T> decoder);

    /** {@code fas_store_close}; the failure, or null. */
    FeastAerospikeException close(long store);

    /** {@code fas_store_free}; the last call on the handle. */
    void free(long store);

    /** TEST ONLY: {@code fas_debug_panic}, which always fails with {@link Status#PANIC}. */
    FeastAerospikeException debugPanic(String message);

    /** The request/response exports; the numbers are those of src/ffi/jni.rs. */
    enum Operation {
        WRITE_BATCH(0, "write_batch"),
        READ(1, "read"),
        UPDATE(2, "update"),
        TEARDOWN(3, "teardown"),
        /** {@code fas_store_metrics}: takes no request (send the empty one). */
        METRICS(4, "metrics");

        final int number;
        final String label;

        Operation(int number, String label) {
            this.number = number;
            this.label = label;
        }
    }

    /** Parses a response from the library's bytes, which are freed or dropped right after. */
    @FunctionalInterface
    interface Decoder<T> {
        T decode(ByteBuffer response) throws IOException;
    }

    /** Request bytes: a message serialised straight into the backend's memory, or raw bytes. */
    abstract class Request {
        /** The serialised size; 0 is the ABI's empty request (NULL, 0). */
        abstract int size();

        /** Writes exactly {@link #size()} bytes at the buffer's position. */
        abstract void writeTo(ByteBuffer out);

        byte[] toByteArray() {
            byte[] bytes = new byte[size()];
            writeTo(ByteBuffer.wrap(bytes));
            return bytes;
        }

        static Request of(MessageLite message) {
            int size = message.getSerializedSize();
            return new Request() {
                @Override
                int size() {
                    return size;
                }

                @Override
                void writeTo(ByteBuffer out) {
                    try {
                        CodedOutputStream coded = CodedOutputStream.newInstance(out);
                        message.writeTo(coded);
                        coded.flush();
                    } catch (IOException e) {
                        throw new InternalException(FeastAerospikeException.NO_RESULT_CODE, "cannot serialise "
                                + message.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
            };
        }

        static Request of(byte[] bytes) {
            return new Request() {
                @Override
                int size() {
                    return bytes.length;
                }

                @Override
                void writeTo(ByteBuffer out) {
                    out.put(bytes);
                }

                @Override
                byte[] toByteArray() {
                    return bytes;
                }
            };
        }
    }

    /** Decodes a response, turning a decode failure into an {@link InternalException}. */
    static <T> T decode(String operation, ByteBuffer response, Decoder<T> decoder) {
        try {
            return decoder.decode(response);
        } catch (IOException e) {
            throw new InternalException(FeastAerospikeException.NO_RESULT_CODE,
                    operation + ": the library answered a response that does not decode: " + e.getMessage());
        }
    }

    /**
     * The exception for a failed call, from the status the call returned and its error
     * object's contents; the message names the operation once.
     */
    static FeastAerospikeException failure(String operation, int status, int errorCode, int resultCode,
            String message) {
        if (errorCode != status) {
            message = message + " (status " + status + ", error object says " + errorCode + ")";
        }
        // The library's messages start with the operation already; keep one prefix.
        if (!message.startsWith(operation + ":")) {
            message = operation + ": " + message;
        }
        return FeastAerospikeException.of(status, resultCode, message);
    }

    /** A failed status with no error object. */
    static FeastAerospikeException failureWithoutDetails(String operation, int status) {
        return FeastAerospikeException.of(status, FeastAerospikeException.NO_RESULT_CODE,
                operation + " failed (no error details from the library)");
    }
}
