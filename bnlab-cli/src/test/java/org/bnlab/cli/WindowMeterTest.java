package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** bench's steady allocation: the fewest bytes per operation in any part (an eighth) of the timed window;
 * these check it on four parts or fewer. */
class WindowMeterTest {

    @Test
    void aOneTimeAllocationInOnePartIsNotSteady() {
        // 480 bytes once (C2 resolving a class's string constants on this thread), 700 ops per part
        long[] bytes = {1000, 1000, 1480, 1480, 1480};
        int[] ops = {0, 700, 1400, 2100, 2800};
        assertEquals(0, WindowMeter.steadyBytesPerOp(bytes, ops, 4));
    }

    @Test
    void anAllocationInEveryPartIsSteadyEvenBelowAByteAnOp() {
        // 64 bytes every 100 ops: 448 bytes per 700-op part, 0.64 bytes an op, reported as 1
        long[] bytes = {0, 448, 896, 1344, 1792};
        int[] ops = {0, 700, 1400, 2100, 2800};
        assertEquals(1, WindowMeter.steadyBytesPerOp(bytes, ops, 4));
        // boxed vectors: kilobytes per op in every part, the smallest part's figure
        long[] boxed = {0, 4000, 7000, 11000, 15000};
        int[] fewOps = {0, 2, 4, 6, 8};
        assertEquals(1500, WindowMeter.steadyBytesPerOp(boxed, fewOps, 4));
    }

    @Test
    void fewerPartsAreAllUsed() {
        // a slow case whose window ended after two parts
        long[] bytes = {0, 100, 100, 0, 0};
        int[] ops = {0, 2, 5, 0, 0};
        assertEquals(0, WindowMeter.steadyBytesPerOp(bytes, ops, 2));
        assertEquals(50, WindowMeter.steadyBytesPerOp(bytes, ops, 1));
    }

    /** Where each operation's allocation goes, so that the JIT cannot remove it. */
    static volatile byte[] kept;

    /** Runs a 100 ms window of {@code op} (op(i) for the i-th operation) through a meter. */
    private static WindowMeter window(java.util.function.IntConsumer op) {
        WindowMeter meter = new WindowMeter(100_000_000L);
        long end = System.nanoTime() + 100_000_000L;
        int count = 0;
        while (System.nanoTime() < end || count < WindowMeter.PARTS * 2) {
            op.accept(count);
            count++;
            meter.afterOperation(System.nanoTime(), count);
        }
        meter.finish(count);
        return meter;
    }

    @Test
    void aRealWindowTellsAnOperationsAllocationFromAOneTimeOne() {
        WindowMeter every = window(i -> kept = new byte[1000]);
        assertTrue(every.steadyBytesPerOp() >= 1000, "1,000+ bytes each operation: " + every.steadyBytesPerOp());
        WindowMeter once = window(i -> {
            if (i == 3) {
                kept = new byte[100_000];
            }
        });
        assertEquals(0, once.steadyBytesPerOp(), "one allocation in the window is not steady");
        assertTrue(once.bytesInWindow() >= 100_000, "but it is in the window: " + once.bytesInWindow());
        assertTrue(once.referenceFmaMs() > 0 && once.referenceCacheMs() > 0, "the host reference ran");
    }
}
