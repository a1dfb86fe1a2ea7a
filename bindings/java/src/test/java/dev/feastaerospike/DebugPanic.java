// Calls the library's test-only fas_debug_panic through the binding's own error
// path, to prove a native panic surfaces as NativePanicException.
package dev.feastaerospike;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

final class DebugPanic {
    private DebugPanic() {}

    static void call(String message) throws Throwable {
        MemorySegment fn = NativeLibrary.get().symbols().find("fas_debug_panic").orElseThrow();
        MethodHandle h = Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment outError = arena.allocate(ADDRESS);
            int status = (int) h.invokeExact(arena.allocateFrom(message), outError);
            throw Native.takeError(status, outError.get(ADDRESS, 0), "debug_panic");
        }
    }
}
