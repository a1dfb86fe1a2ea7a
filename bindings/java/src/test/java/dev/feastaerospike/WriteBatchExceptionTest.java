// A partial write becomes one exception listing every failed row, with the status
// the native library gave each row.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.feastaerospike.proto.StoreProto.RowFailure;
import dev.feastaerospike.proto.StoreProto.WriteBatchResponse;
import org.junit.jupiter.api.Test;

class WriteBatchExceptionTest {
    private static WriteBatchException of(RowFailure... failures) {
        WriteBatchResponse.Builder r = WriteBatchResponse.newBuilder().setRowsWritten(10 - failures.length);
        for (RowFailure f : failures) {
            r.addFailures(f);
        }
        return new WriteBatchException("driver", 10, r.build());
    }

    private static RowFailure failure(int row, Status status, int code, boolean inDoubt) {
        return RowFailure.newBuilder().setRowIndex(row).setStatus(status.code()).setResultCode(code)
                .setInDoubt(inDoubt).setMessage("row " + row + " failed").build();
    }

    @Test
    void theFirstFailureStatusIsTheLibrarys() {
        // Result code -1 is a connection failure as often as a bad row: only the
        // library's status tells them apart.
        assertEquals(Status.CONNECTION, of(failure(3, Status.CONNECTION, -1, true)).status());
        assertEquals(Status.INVALID_ARGUMENT, of(failure(3, Status.INVALID_ARGUMENT, -1, false)).status());
        assertEquals(Status.TIMEOUT, of(failure(3, Status.TIMEOUT, -1, false)).status());
        assertEquals(Status.SERVER, of(failure(3, Status.SERVER, 14, false),
                failure(4, Status.TIMEOUT, 9, true)).status());
        // No status, or one this binding does not know: a library bug, INTERNAL.
        assertEquals(Status.INTERNAL, of(failure(3, Status.OK, 13, false)).status());
        RowFailure unknown = failure(3, Status.SERVER, 13, false).toBuilder().setStatus(99).build();
        assertEquals(Status.INTERNAL, of(unknown).status());
    }

    @Test
    void everyRowIsKeptAndTheMessageSaysWhat() {
        WriteBatchException e = of(failure(2, Status.SERVER, 14, false), failure(7, Status.TIMEOUT, 9, true));
        assertEquals(14, e.resultCode());
        assertEquals(8, e.rowsWritten());
        assertEquals(2, e.failures().size());
        assertEquals(7, e.failures().get(1).getRowIndex());
        String m = e.getMessage();
        assertTrue(m.contains("'driver'") && m.contains("2 of 10 rows") && m.contains("1 in doubt")
                && m.contains("row 2") && m.contains("result code 14"), m);
    }
}
