package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Reading the allocation counter must allocate nothing itself: bench divides the difference of two
 * readings by the number of operations, so a reading that allocates shows as bytes per operation of
 * an operation that allocates none (and kept bench's warm-up running to its cap on every case).
 */
class ThreadAllocationTest {

    @Test
    void readingTheCounterAllocatesNothing() {
        long first = ThreadAllocation.bytes();
        if (first < 0) {
            return; // a JVM without the counter: bench reports no bytes at all
        }
        for (int i = 0; i < 1000; i++) { // past the interpreter's and C1's first calls
            ThreadAllocation.bytes();
        }
        long a = ThreadAllocation.bytes();
        long b = ThreadAllocation.bytes();
        assertEquals(a, b, "two readings in a row differ: the reading allocates " + (b - a) + " bytes");
        byte[] block = new byte[1 << 16];
        assertTrue(ThreadAllocation.bytes() - b >= block.length, "a 64 KiB array is counted");
    }
}
