package org.bnlab.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.norm.BatchNorm;
import org.junit.jupiter.api.Test;

class ShapesTest {

    @Test
    void anElementCountThatWrapsIsRejectedNotZero() {
        // 65536^4 = 2^64 wraps to 0 in a long: the empty array used to be accepted
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(new float[0], 65536, 65536, 65536, 65536));
        assertTrue(e.getMessage().startsWith("Tensor.of: shape [65536, 65536, 65536, 65536]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(65536, 65536, 65536, 65536));
        assertThrows(IllegalArgumentException.class, () -> Tensor.numel(65536, 65536, 65536, 65536));
    }

    @Test
    void exactCountsAndZeroDimensions() {
        assertEquals(1L << 48, Tensor.numel(65536, 65536, 65536));
        assertEquals(0, Tensor.numel(65536, 65536, 65536, 65536, 0), "a zero dimension empties the shape, whatever the others");
        assertEquals(0, Tensor.of(new float[0], 0, 65536, 65536, 65536, 65536).numel());
        assertEquals(1, Tensor.numel(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], 3, -1));
        assertThrows(IllegalArgumentException.class, () -> Shapes.numel("x", Long.MAX_VALUE, 2));
        assertEquals(0, Shapes.numel("x", Long.MAX_VALUE, 2, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shapes.arrayLength("t", 65536, 32768));
        assertEquals("t: shape [65536, 32768] has 2147483648 elements, more than the 2147483639 a Java array can hold", e.getMessage());
    }

    @Test
    void layersRejectWeightsThatOverflowOrCannotFitBeforeAllocating() {
        // --hidden 3000000: 784 * 3e6 = 2.35e9 wrapped negative (NegativeArraySizeException)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Linear(784, 3_000_000, true, 1));
        assertEquals("Linear(784, 3000000) weight: shape [3000000, 784] has 2352000000 elements, more than the 2147483639 a Java array can hold",
                e.getMessage());
        // --hidden 5478275: 784 * 5478275 = 2^32 + 304 wrapped to 304, a 304-float "weight" that failed inside GEMM
        e = assertThrows(IllegalArgumentException.class, () -> new Linear(784, 5_478_275, true, 1));
        assertEquals("Linear(784, 5478275) weight: shape [5478275, 784] has 4294967600 elements, more than the"
                + " 2147483639 a Java array can hold", e.getMessage());
        // fits an array but not this heap (weight + gradient)
        long heap = Runtime.getRuntime().maxMemory();
        int out = (int) Math.min(Shapes.MAX_ARRAY / 1000, heap / 8 / 1000 + 1);
        if ((long) out * 1000 * 8 > heap) {
            e = assertThrows(IllegalArgumentException.class, () -> new Linear(1000, out, false, 1));
            assertTrue(e.getMessage().contains("heap (-Xmx)"), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(65536, 65536, 3, 1, 0, false, 1));
        assertTrue(e.getMessage().startsWith("Conv2d(65536, 65536, kernel_size=3) weight: shape [65536, 65536, 3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BatchNorm.builder(Integer.MAX_VALUE).build());
        assertTrue(e.getMessage().startsWith("BatchNorm(2147483647) buffers: needs"), e.getMessage());
    }

    @Test
    void aParameterBudgetLimitsWhatABuildMayAllocate() {
        // 100x10 weights fit a budget of 1000 elements; a second layer of 10 does not
        Linear fits = Shapes.withParameterBudget(1000, "1000 elements in f", () -> new Linear(10, 100, true, 1));
        assertEquals(1000, fits.weight().numel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shapes.withParameterBudget(1000,
                "1000 elements in f", () -> new Linear[] {new Linear(10, 100, true, 1), new Linear(10, 1, true, 1)}));
        assertEquals("Linear(10, 1) weight [1, 10] has 10 elements, more than the 0 left of the 1000 elements in f", e.getMessage());
        new Linear(10, 1000, true, 1); // outside the build the budget is gone
    }
}
