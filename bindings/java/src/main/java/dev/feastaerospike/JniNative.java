// The JNI path to the C ABI, for JDK 17-21 (no Panama FFM there). The native
// methods are src/ffi/jni.rs: each copies the request byte[] in, calls the same
// fas_* export and answers one byte[] [status i32 LE][result code i32 LE][payload].
package dev.feastaerospike;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Calls the library through the JNI entry points of src/ffi/jni.rs. */
final class JniNative implements NativeBackend {
    private static final int HEADER = 8;

    /** Loads the library with {@link System#load}; its JNI methods bind to this class. */
    JniNative(Path library) {
        System.load(library.toAbsolutePath().toString());
    }

    static native int abiVersion0();

    private static native byte[] version0();

    private static native byte[] open0(byte[] initRequest);

    private static native byte[] call0(int operation, long store, byte[] request);

    private static native byte[] close0(long store);

    private static native void free0(long store);

    private static native byte[] debugPanic0(byte[] message);

    @Override
    public String name() {
        return "jni";
    }

    @Override
    public int abiVersion() {
        return abiVersion0();
    }

    @Override
    public String version() {
        return StandardCharsets.UTF_8.decode(payload(check("version", version0()))).toString();
    }

    @Override
    public long open(Request init) {
        ByteBuffer handle = payload(check("open", open0(bytes(init))));
        return handle.order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Override
    public <T> T call(Operation operation, long store, Request request, Decoder<T> decoder) {
        byte[] answer = check(operation.label, call0(operation.number, store, bytes(request)));
        return NativeBackend.decode(operation.label, payload(answer), decoder);
    }

    @Override
    public FeastAerospikeException close(long store) {
        try {
            check("close", close0(store));
            return null;
        } catch (FeastAerospikeException e) {
            return e;
        }
    }

    @Override
    public void free(long store) {
        free0(store);
    }

    @Override
    public FeastAerospikeException debugPanic(String message) {
        try {
            check("debug_panic", debugPanic0(message.getBytes(StandardCharsets.UTF_8)));
        } catch (FeastAerospikeException e) {
            return e;
        }
        return new InternalException(FeastAerospikeException.NO_RESULT_CODE, "debug_panic did not fail");
    }

    private static byte[] bytes(Request request) {
        return request.size() == 0 ? null : request.toByteArray();
    }

    /** The answer of a successful call; a failed one becomes its exception. */
    private static byte[] check(String operation, byte[] answer) {
        if (answer == null || answer.length < HEADER) {
            // null without a pending Java exception: the adapter itself failed.
            throw new InternalException(FeastAerospikeException.NO_RESULT_CODE,
                    operation + ": the JNI adapter returned no result");
        }
        ByteBuffer header = ByteBuffer.wrap(answer, 0, HEADER).order(ByteOrder.LITTLE_ENDIAN);
        int status = header.getInt();
        int resultCode = header.getInt();
        if (status == Status.OK.code()) {
            return answer;
        }
        if (answer.length == HEADER) {
            throw NativeBackend.failureWithoutDetails(operation, status);
        }
        String message = new String(answer, HEADER, answer.length - HEADER, StandardCharsets.UTF_8);
        throw NativeBackend.failure(operation, status, status, resultCode, message);
    }

    private static ByteBuffer payload(byte[] answer) {
        return ByteBuffer.wrap(answer, HEADER, answer.length - HEADER).slice();
    }
}
