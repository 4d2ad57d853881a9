package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** bench's steady allocation: the fewest bytes per operation in any part (an eighth) of the timed window;
 * these check it on four parts or fewer. */
class BenchAllocationTest {

    @Test
    void aOneTimeAllocationInOnePartIsNotSteady() {
        // 480 bytes once (C2 resolving a class's string constants on this thread), 700 ops per part
        long[] bytes = {1000, 1000, 1480, 1480, 1480};
        int[] ops = {0, 700, 1400, 2100, 2800};
        assertEquals(0, BenchCommand.steadyBytesPerOp(bytes, ops, 4));
    }

    @Test
    void anAllocationInEveryPartIsSteadyEvenBelowAByteAnOp() {
        // 64 bytes every 100 ops: 448 bytes per 700-op part, 0.64 bytes an op, reported as 1
        long[] bytes = {0, 448, 896, 1344, 1792};
        int[] ops = {0, 700, 1400, 2100, 2800};
        assertEquals(1, BenchCommand.steadyBytesPerOp(bytes, ops, 4));
        // boxed vectors: kilobytes per op in every part, the smallest part's figure
        long[] boxed = {0, 4000, 7000, 11000, 15000};
        int[] fewOps = {0, 2, 4, 6, 8};
        assertEquals(1500, BenchCommand.steadyBytesPerOp(boxed, fewOps, 4));
    }

    @Test
    void fewerPartsAreAllUsed() {
        // a slow case whose window ended after two parts
        long[] bytes = {0, 100, 100, 0, 0};
        int[] ops = {0, 2, 5, 0, 0};
        assertEquals(0, BenchCommand.steadyBytesPerOp(bytes, ops, 2));
        assertEquals(50, BenchCommand.steadyBytesPerOp(bytes, ops, 1));
    }
}
