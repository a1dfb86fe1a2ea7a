// Thrown for C ABI status TIMEOUT (docs/ABI.md).
package dev.feastaerospike;

/** A configured timeout or the request's {@code timeout_ms} expired. */
public class StoreTimeoutException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public StoreTimeoutException(int resultCode, String message) {
        super(Status.TIMEOUT, resultCode, message);
    }
}
