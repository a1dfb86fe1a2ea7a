// Calls the library's test-only fas_debug_panic through the binding's own error
// path (Panama or JNI, whichever this JVM uses), to prove a native panic
// surfaces as NativePanicException.
package dev.feastaerospike;

final class DebugPanic {
    private DebugPanic() {}

    static void call(String message) {
        throw NativeLibrary.get().backend().debugPanic(message);
    }
}
