// Thrown when a write batch reached the server but some rows were not confirmed
// written: the binding never lets a partial write pass silently (docs/ABI.md).
package dev.feastaerospike;

import dev.feastaerospike.proto.StoreProto.RowFailure;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import java.util.List;

/**
 * Some rows of a write batch were not confirmed written. {@link #failures()} lists
 * every one (row index, result code, message, in-doubt flag); {@link #rowsWritten()}
 * counts the rows that were. {@link #status()} and {@link #resultCode()} summarise the
 * first failure: {@link Status#TIMEOUT} when its outcome is in doubt or it timed out
 * (result code 9; the library also reports a row it could not send with it),
 * {@link Status#SERVER} for any other Aerospike result code, else
 * {@link Status#INVALID_ARGUMENT}: the library refused the row before sending it (it
 * could not be encoded, or its namespace is unknown to the cluster). The Go binding
 * classifies rows the same way.
 */
public class WriteBatchException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

    /** Aerospike's result code 9, TIMEOUT (also what the client reports for its own timeouts). */
    private static final int AEROSPIKE_TIMEOUT = 9;

    private final transient WriteBatchResponse response;

    WriteBatchException(String featureView, int rowCount, WriteBatchResponse response) {
        super(summaryStatus(response.getFailures(0)),
                response.getFailures(0).getResultCode(),
                describe(featureView, rowCount, response));
        this.response = response;
    }

    /** Every row not confirmed written, in row order (indices into the request's rows). */
    public List<RowFailure> failures() {
        return response.getFailuresList();
    }

    /** Rows the server confirmed written. */
    public long rowsWritten() {
        return response.getRowsWritten();
    }

    /** The whole response of the call. */
    public WriteBatchResponse response() {
        return response;
    }

    private static Status summaryStatus(RowFailure first) {
        if (first.getInDoubt() || first.getResultCode() == AEROSPIKE_TIMEOUT) {
            return Status.TIMEOUT;
        }
        return first.getResultCode() >= 0 ? Status.SERVER : Status.INVALID_ARGUMENT;
    }

    private static String describe(String featureView, int rowCount, WriteBatchResponse response) {
        RowFailure first = response.getFailures(0);
        long inDoubt = response.getFailuresList().stream().filter(RowFailure::getInDoubt).count();
        return "write_batch of feature view '" + featureView + "': " + response.getFailuresCount()
                + " of " + rowCount + " rows not confirmed written (" + inDoubt + " in doubt); first: row "
                + first.getRowIndex() + ", result code " + first.getResultCode() + ": " + first.getMessage();
    }
}
