// Root of every exception the binding throws for a failed store call: the C ABI
// status, the Aerospike result code when the server gave one, and the message.
package dev.feastaerospike;

/**
 * A failed call into the feast-aerospike library. Each {@link Status} has its own
 * subclass, so callers can catch exactly what they handle; {@link #status()},
 * {@link #resultCode()} and {@link #getMessage()} carry the details.
 */
public class FeastAerospikeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@link #resultCode()} when the failure carries no Aerospike result code. */
    public static final int NO_RESULT_CODE = -1;

    private final Status status;
    private final int resultCode;

    protected FeastAerospikeException(Status status, int resultCode, String message) {
        super(message);
        this.status = status;
        this.resultCode = resultCode;
    }

    /** The C ABI status of the failure; never {@link Status#OK}. */
    public Status status() {
        return status;
    }

    /** The Aerospike result code the server answered, or {@link #NO_RESULT_CODE}. */
    public int resultCode() {
        return resultCode;
    }

    /**
     * The exception for a failed call. Every status has a case here and the switch is
     * exhaustive, so adding a {@link Status} without an exception type does not compile.
     * A number unknown to this binding (a newer library) becomes an
     * {@link InternalException} that names it.
     */
    static FeastAerospikeException of(int code, int resultCode, String message) {
        Status status = Status.fromCode(code);
        if (status == null) {
            return new InternalException(
                    resultCode, "unknown status " + code + " from the native library: " + message);
        }
        return switch (status) {
            case OK -> new InternalException(
                    resultCode, "native library reported an error with status OK: " + message);
            case INVALID_ARGUMENT -> new InvalidArgumentException(resultCode, message);
            case DECODE -> new DecodeException(resultCode, message);
            case CONFIG -> new ConfigException(resultCode, message);
            case CONNECTION -> new ConnectionException(resultCode, message);
            case TIMEOUT -> new StoreTimeoutException(resultCode, message);
            case SERVER -> new ServerException(resultCode, message);
            case CLOSED -> new StoreClosedException(resultCode, message);
            case PANIC -> new NativePanicException(resultCode, message);
            case INTERNAL -> new InternalException(resultCode, message);
        };
    }
}
