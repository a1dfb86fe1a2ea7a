// Thrown for C ABI status CLOSED (docs/ABI.md).
package dev.feastaerospike;

/** The store was closed; every call after {@link AerospikeOnlineStore#close()} throws this. */
public class StoreClosedException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public StoreClosedException(int resultCode, String message) {
        super(Status.CLOSED, resultCode, message);
    }
}
