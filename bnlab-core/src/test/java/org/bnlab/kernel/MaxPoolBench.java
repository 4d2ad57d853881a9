package org.bnlab.kernel;

import java.util.Random;

/**
 * By-hand timing of max pooling on the CNN preset's shapes, spec ({@link Pool2d}) against
 * {@link MaxPool}: {@code java --add-modules jdk.incubator.vector -cp <test+main classes> org.bnlab.kernel.MaxPoolBench [threads]}.
 * Not a test (no assertions); prints the fastest of 25 timed calls (the machine is shared: the minimum is the least disturbed) of each after a warm-up.
 */
public final class MaxPoolBench {
    private MaxPoolBench() {}

    public static void main(String[] a) {
        Parallel.setThreads(a.length > 0 ? Integer.parseInt(a[0]) : 1);
        shape(128, 32, 28);
        shape(128, 64, 14);
    }

    private static void shape(int n, int c, int hw) {
        int planes = n * c;
        int o = hw / 2;
        float[] x = new float[planes * hw * hw];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(0f, (float) r.nextGaussian()); // post-ReLU: many zero ties
        }
        float[] y = new float[planes * o * o];
        int[] arg = new int[y.length];
        float[] dx = new float[x.length];
        String s = "[" + n + "," + c + "," + hw + "," + hw + "] -> " + o + "x" + o + ": ";
        System.out.printf("%sspec fwd %.3f ms, fast fwd %.3f ms, fast fwd no arg %.3f ms, spec bwd %.3f ms, fast bwd %.3f ms%n", s,
                time(() -> Pool2d.maxForward(y, arg, x, planes, hw, hw, 2, 2, o, o)),
                time(() -> MaxPool.forward(y, arg, x, planes, hw, hw, 2, 2, o, o)),
                time(() -> MaxPool.forward(y, x, planes, hw, hw, 2, 2, o, o)),
                time(() -> Pool2d.maxBackward(dx, y, arg, planes, hw, hw, o, o)),
                time(() -> MaxPool.backward(dx, y, arg, planes, hw, hw, o, o)));
    }

    private static double time(Runnable f) {
        for (int i = 0; i < 30; i++) {
            f.run();
        }
        long[] t = new long[25];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            f.run();
            t[i] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(t);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long b0 = mx.getCurrentThreadAllocatedBytes();
        f.run();
        long bytes = mx.getCurrentThreadAllocatedBytes() - b0;
        if (bytes > 0) {
            System.out.println("  (allocated " + bytes + " bytes in one call)");
        }
        return t[0] / 1e6;
    }
}
