// Thrown for C ABI status DECODE (docs/ABI.md).
package dev.feastaerospike;

/** Request bytes that are not a valid protobuf message of the expected type. */
public class DecodeException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public DecodeException(int resultCode, String message) {
        super(Status.DECODE, resultCode, message);
    }
}
