// Thrown for C ABI status CONNECTION (docs/ABI.md).
package dev.feastaerospike;

/** The cluster cannot be reached, or the connection was lost. */
public class ConnectionException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public ConnectionException(int resultCode, String message) {
        super(Status.CONNECTION, resultCode, message);
    }
}
