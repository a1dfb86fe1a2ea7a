// Thrown for C ABI status PANIC (docs/ABI.md).
package dev.feastaerospike;

/** A bug inside the native library was caught at the boundary. The store stays usable; please report it. */
public class NativePanicException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public NativePanicException(int resultCode, String message) {
        super(Status.PANIC, resultCode, message);
    }
}
