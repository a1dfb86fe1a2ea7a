// The status codes of the feast-aerospike C ABI (docs/ABI.md), with the exception
// type each one becomes. The numbers are part of the ABI and never change.
package dev.feastaerospike;

/** A status code returned by every fallible call of the C ABI. */
public enum Status {
    OK(0),
    INVALID_ARGUMENT(1),
    DECODE(2),
    CONFIG(3),
    CONNECTION(4),
    TIMEOUT(5),
    SERVER(6),
    CLOSED(7),
    PANIC(8),
    INTERNAL(9);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The number the C ABI uses for this status ({@code FAS_OK}, {@code FAS_ERR_*}). */
    public int code() {
        return code;
    }

    /** The status with this ABI number, or {@code null} for a number this binding does not know. */
    public static Status fromCode(int code) {
        for (Status s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }
}
