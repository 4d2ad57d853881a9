package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link MaxPool} equals the scalar spec {@link Pool2d#maxForward} / {@link Pool2d#maxBackward} bit
 * for bit (y compared as raw bits, so NaN payloads and -0.0 / +0.0 count; dx with NaNs canonical),
 * for 1, 2 and 3 threads.
 */
class MaxPoolTest {

    /** Values with many ties, signed zeros, infinities and NaNs (two payloads). */
    private static float[] nasty(Random r, int n) {
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.intBitsToFloat(0x7fc00123), Float.intBitsToFloat(0xffc00001), 1f, -1f};
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(10);
            if (c < 3) {
                x[i] = special[r.nextInt(special.length)];
            } else if (c < 6) {
                x[i] = r.nextInt(3) - 1; // -1, 0, 1: equal values
            } else {
                x[i] = (float) r.nextGaussian();
            }
        }
        return x;
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    /**
     * Bits with every NaN made the canonical one: the payload of NaN + NaN is whichever operand the
     * CPU returns (x86: the first source), and the JIT may swap the operands of a commutative add, so
     * even the spec's own dx differs in NaN payload between interpreted and compiled runs.
     */
    private static int[] canonicalBits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToIntBits(a[i]);
        }
        return b;
    }

    @Test
    void forwardAndBackwardEqualTheSpec() {
        Random r = new Random(7);
        int before = Parallel.threads();
        try {
            for (int k = 1; k <= 3; k++) {
                for (int s = 1; s <= 3; s++) {
                    for (int[] hw : new int[][] {{k, k}, {5, 7}, {8, 8}, {9, 6}, {28, 28}, {13, 14}, {6, 40}, {4, 33}, {3, 64}, {5, 16}, {14, 14}, {15, 9}, {7, 17}}) {
                        int h = hw[0];
                        int w = hw[1];
                        if (h < k || w < k) {
                            continue;
                        }
                        for (int planes : new int[] {1, 2, 3, 17, 300}) {
                            check(r, planes, h, w, k, s);
                        }
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static void check(Random r, int planes, int h, int w, int k, int s) {
        int oh = (h - k) / s + 1;
        int ow = (w - k) / s + 1;
        String what = "planes=" + planes + " h=" + h + " w=" + w + " k=" + k + " s=" + s;
        float[] x = nasty(r, planes * h * w);
        float[] ySpec = new float[planes * oh * ow];
        int[] argSpec = new int[ySpec.length];
        Pool2d.maxForward(ySpec, argSpec, x, planes, h, w, k, s, oh, ow);
        float[] dy = nasty(r, ySpec.length);
        float[] dxSpec = new float[x.length];
        Pool2d.maxBackward(dxSpec, dy, argSpec, planes, h, w, oh, ow);
        for (int t = 1; t <= 3; t++) {
            Parallel.setThreads(t);
            float[] y = new float[ySpec.length];
            int[] arg = new int[ySpec.length];
            MaxPool.forward(y, arg, x, planes, h, w, k, s, oh, ow);
            assertArrayEquals(bits(ySpec), bits(y), "y, " + what + " threads=" + t);
            assertArrayEquals(argSpec, arg, "arg, " + what + " threads=" + t);
            float[] y2 = new float[ySpec.length];
            MaxPool.forward(y2, x, planes, h, w, k, s, oh, ow);
            assertArrayEquals(bits(ySpec), bits(y2), "y without arg, " + what + " threads=" + t);
            float[] dx = new float[x.length];
            java.util.Arrays.fill(dx, 5f); // backward must clear it
            MaxPool.backward(dx, dy, argSpec, planes, h, w, oh, ow);
            assertArrayEquals(canonicalBits(dxSpec), canonicalBits(dx), "dx, " + what + " threads=" + t);
        }
    }

    @Test
    void tiesKeepTheFirstAndTheFirstNaNWins() {
        float nan1 = Float.intBitsToFloat(0x7fc00001);
        float nan2 = Float.intBitsToFloat(0x7fc00002);
        float[][] windows = {
            {-0f, 0f, 0f, -0f},      // first of equal zeros: -0.0 at 0
            {1f, 3f, 3f, 2f},        // first 3 at 1
            {1f, nan1, 9f, nan2},    // first NaN at 1
            {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY},
            {nan2, nan1, 1f, 2f},
        };
        int[] want = {0, 1, 1, 0, 0};
        for (int i = 0; i < windows.length; i++) {
            float[] y = new float[1];
            int[] arg = new int[1];
            MaxPool.forward(y, arg, windows[i], 1, 2, 2, 2, 2, 1, 1);
            assertEquals(want[i], arg[0], "window " + i);
            assertEquals(Float.floatToRawIntBits(windows[i][want[i]]), Float.floatToRawIntBits(y[0]), "window " + i);
        }
    }
}
