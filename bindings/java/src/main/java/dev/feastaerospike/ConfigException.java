// Thrown for C ABI status CONFIG (docs/ABI.md).
package dev.feastaerospike;

/** An invalid configuration: an unknown key (the message names the valid ones) or a bad value. */
public class ConfigException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(int resultCode, String message) {
        super(Status.CONFIG, resultCode, message);
    }
}
