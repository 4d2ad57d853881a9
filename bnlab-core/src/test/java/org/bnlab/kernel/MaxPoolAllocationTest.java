package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Warm {@link MaxPool} calls allocate nothing, on the SIMD path too (the training and inference
 * allocation tests check the scalar execution only): a vector or mask that escapes a method C2 did
 * not inline is boxed on every call (MaxPoolVector once allocated 2.7-12.5 MB a call that way).
 * Shapes: the CNN's two pools (one row a vector; two rows a vector) and a 3 x 3 pool.
 */
class MaxPoolAllocationTest {

    @Test
    void warmCallsAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int before = Parallel.threads();
        Parallel.setThreads(1);
        try {
            float[] x = new float[16 * 28 * 28];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            float[] y = new float[x.length];
            int[] arg = new int[x.length];
            float[] dx = new float[x.length];
            Runnable calls = () -> {
                MaxPool.forward(y, arg, x, 16, 28, 28, 2, 2, 14, 14);
                MaxPool.forward(y, x, 16, 28, 28, 2, 2, 14, 14);
                MaxPool.backward(dx, y, arg, 16, 28, 28, 14, 14);
                MaxPool.forward(y, arg, x, 64, 14, 14, 2, 2, 7, 7);
                MaxPool.forward(y, x, 64, 14, 14, 2, 2, 7, 7);
                MaxPool.forward(y, arg, x, 16, 28, 28, 3, 2, 13, 13);
            };
            long bytes = -1;
            // warm up until C2 has compiled the kernels (at most ~20 rounds), then 100 calls must allocate 0
            for (int round = 0; round < 20 && bytes != 0; round++) {
                for (int i = 0; i < 500; i++) {
                    calls.run();
                }
                long b0 = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    calls.run();
                }
                bytes = mx.getCurrentThreadAllocatedBytes() - b0;
            }
            assertEquals(0, bytes, "bytes allocated by 100 warm rounds of max-pool calls");
        } finally {
            Parallel.setThreads(before);
        }
    }
}
