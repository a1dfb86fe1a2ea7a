// Thrown for C ABI status INVALID_ARGUMENT (docs/ABI.md).
package dev.feastaerospike;

/** A request the store cannot act on: a missing feature view name, an entity value kind that cannot be a key, a null argument. */
public class InvalidArgumentException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public InvalidArgumentException(int resultCode, String message) {
        super(Status.INVALID_ARGUMENT, resultCode, message);
    }
}
