// Thrown when a write batch reached the server but some rows were not confirmed
// written: the binding never lets a partial write pass silently (docs/ABI.md).
package dev.feastaerospike;

import dev.feastaerospike.proto.StoreProto.RowFailure;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import java.util.List;

/**
 * Some rows of a write batch were not confirmed written. {@link #failures()} lists
 * every one (row index, result code, message, in-doubt flag); {@link #rowsWritten()}
 * counts the rows that were. {@link #status()} and {@link #resultCode()} are those of
 * the first failure: its status is the library's ({@link RowFailure#getStatus()},
 * computed once in the native library from the failure's kind), never re-derived here.
 */
public class WriteBatchException extends FeastAerospikeException {
    private static final long serialVersionUID = 1L;

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

    /** The first row's status; OK or a number this binding does not know reads as INTERNAL. */
    private static Status summaryStatus(RowFailure first) {
        Status status = Status.fromCode(first.getStatus());
        return status == null || status == Status.OK ? Status.INTERNAL : status;
    }

    private static String describe(String featureView, int rowCount, WriteBatchResponse response) {
        RowFailure first = response.getFailures(0);
        long inDoubt = response.getFailuresList().stream().filter(RowFailure::getInDoubt).count();
        return "write_batch of feature view '" + featureView + "': " + response.getFailuresCount()
                + " of " + rowCount + " rows not confirmed written (" + inDoubt + " in doubt); first: row "
                + first.getRowIndex() + ", result code " + first.getResultCode() + ": " + first.getMessage();
    }
}
