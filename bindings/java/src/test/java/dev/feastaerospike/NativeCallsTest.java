// Calls into the real native library that need no server: version, ABI check
// through the default loader, and a native panic surfacing as its exception.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeCallsTest {
    @Test
    void theBuiltLibraryLoadsWithTheExpectedAbi() {
        NativeLibrary.Loaded lib = NativeLibrary.get();
        assertEquals(NativeLibrary.EXPECTED_ABI_VERSION, lib.abiVersion());
        assertTrue(lib.location().source().contains(NativeLibrary.PATH_PROPERTY), lib.location().source());
        assertTrue(AerospikeOnlineStore.nativeVersion().matches("\\d+\\.\\d+\\.\\d+.*"),
                AerospikeOnlineStore.nativeVersion());
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
