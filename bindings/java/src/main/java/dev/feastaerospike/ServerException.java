// Thrown for C ABI status SERVER (docs/ABI.md).
package dev.feastaerospike;

/** The server answered an error; {@link #resultCode()} is the Aerospike result code. */
public class ServerException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public ServerException(int resultCode, String message) {
        super(Status.SERVER, resultCode, message);
    }
}
