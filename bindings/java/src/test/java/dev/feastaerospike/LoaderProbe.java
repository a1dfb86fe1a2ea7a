// A separate JVM's entry point for NativeCallsTest: loads the library with
// whatever sources that JVM has and prints where it came from.
package dev.feastaerospike;

public final class LoaderProbe {
    private LoaderProbe() {}

    public static void main(String[] args) {
        NativeLibrary.Loaded lib = NativeLibrary.get();
        System.out.println(lib.location().source() + " | " + AerospikeOnlineStore.nativeVersion()
                + " | backend " + AerospikeOnlineStore.nativeBackend());
    }
}
