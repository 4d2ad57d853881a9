package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** Figure 1 (b, c) are drawn from step 0, densely over the first evaluation interval, then at every evaluation. */
class Figure1TraceTest {
    @Test
    void traceStartsAtZeroDenseEarlyThenEveryEvaluation() {
        assertArrayEquals(new long[] {0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 1000, 1500, 2000},
                Figure1.traceSteps(2000, 500));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 25}, Figure1.traceSteps(25, 10));
    }
}
