// The benchmark workload generator follows docs/benchmark-workload.md.
package dev.feastaerospike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BenchDataTest {
    @Test
    void splitmix64MatchesTheReferenceOutputs() {
        // First outputs of the reference splitmix64 generator seeded with 0.
        assertEquals(0xE220A8397B1DCDAFL, BenchData.splitmix64(0));
        assertEquals(0x6E789E6AA1B965F4L, BenchData.splitmix64(0x9E3779B97F4A7C15L));
    }

    @Test
    void valuesHaveTheDocumentedShapes() {
        assertTrue(BenchData.narrowValue(5, 0).getInt64Val() >= 0 && BenchData.narrowValue(5, 0).getInt64Val() < 1000);
        assertTrue(BenchData.narrowValue(5, 1).getInt64Val() >= 0 && BenchData.narrowValue(5, 1).getInt64Val() < (1L << 32));
        assertEquals(12, BenchData.narrowValue(5, 6).getStringVal().length());
        assertTrue(BenchData.narrowValue(5, 6).getStringVal().matches("[a-z0-9]{12}"));
        double d = BenchData.wideValue(5, 99).getDoubleVal();
        assertTrue(d >= 0 && d < 1);
        float f = BenchData.narrowValue(5, 9).getFloatVal();
        assertEquals((double) f, (BenchData.h(1, 5, 9) >>> 40) * 0x1.0p-24, 0.0, "exact in float32");
        assertEquals(10, BenchData.NARROW.getFeaturesCount());
        assertEquals("w099", BenchData.WIDE.getFeatures(99).getName());
    }

    @Test
    void entityBatchesAreDistinctAndInRange() {
        long[] ids = new BenchData.Ids(1).batch(1000, 100_000, 0);
        assertEquals(1000, Arrays.stream(ids).distinct().count());
        assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < 100_000));
        long[] missing = new BenchData.Ids(2).batch(50, 100_000, 100_000);
        assertTrue(Arrays.stream(missing).allMatch(id -> id >= 100_000 && id < 200_000));
    }
}
