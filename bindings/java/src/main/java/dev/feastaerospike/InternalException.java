// Thrown for C ABI status INTERNAL (docs/ABI.md).
package dev.feastaerospike;

/** Any other failure inside the native library. */
public class InternalException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public InternalException(int resultCode, String message) {
        super(Status.INTERNAL, resultCode, message);
    }
}
