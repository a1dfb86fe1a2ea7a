// A partial write becomes one exception listing every failed row, classified
// like the Go binding does.
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

    private static RowFailure failure(int row, int code, boolean inDoubt) {
        return RowFailure.newBuilder().setRowIndex(row).setResultCode(code).setInDoubt(inDoubt)
                .setMessage("row " + row + " failed").build();
    }

    @Test
    void theFirstFailureDecidesTheStatus() {
        assertEquals(Status.TIMEOUT, of(failure(3, 9, false)).status());
        assertEquals(Status.TIMEOUT, of(failure(3, -1, true)).status());
        assertEquals(Status.TIMEOUT, of(failure(3, 14, true)).status());
        assertEquals(Status.SERVER, of(failure(3, 14, false), failure(4, 9, true)).status());
        assertEquals(Status.INVALID_ARGUMENT, of(failure(3, -1, false)).status());
    }

    @Test
    void everyRowIsKeptAndTheMessageSaysWhat() {
        WriteBatchException e = of(failure(2, 14, false), failure(7, 9, true));
        assertEquals(14, e.resultCode());
        assertEquals(8, e.rowsWritten());
        assertEquals(2, e.failures().size());
        assertEquals(7, e.failures().get(1).getRowIndex());
        String m = e.getMessage();
        assertTrue(m.contains("'driver'") && m.contains("2 of 10 rows") && m.contains("1 in doubt")
                && m.contains("row 2") && m.contains("result code 14"), m);
    }
}
