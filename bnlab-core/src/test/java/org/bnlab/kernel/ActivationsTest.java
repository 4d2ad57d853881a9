package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The dispatching kernels (SIMD when enabled) against the scalar specification, over a dense sweep
 * of [-120, 120] plus the limits. Measured accuracy of the SIMD path (max error against the
 * double-evaluated scalar kernel): exp 1 ulp, sigmoid 2 ulp, tanh 2 ulp for normal results; the
 * bounds asserted are those.
 */
class ActivationsTest {
    /** The kernels in use (SIMD unless disabled) and the scalar specification. */
    static final ActivationKernel ACT = KernelProvider.get().activations();
    static final ActivationKernel SPEC = KernelProvider.scalar().activations();


    private static final float[] EDGES = {0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 0.49999f, 0.5f, 0.50001f, -0.5f,
        9f, -9f, 20f, -20f, 87f, -87f, 88.7f, -88.7f, 89f, -89f, 103f, -103f, 104f, -104f, 105f, -105f, 1e10f, -1e10f,
        1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE};

    private static float[] sweep() {
        int n = 0;
        for (float x = -120f; x <= 120f; x = Math.nextUp(x + Math.abs(x) * 2e-5f + 1e-6f)) {
            n++;
        }
        float[] xs = new float[n + EDGES.length];
        int i = 0;
        for (float x = -120f; x <= 120f; x = Math.nextUp(x + Math.abs(x) * 2e-5f + 1e-6f)) {
            xs[i++] = x;
        }
        System.arraycopy(EDGES, 0, xs, i, EDGES.length);
        return xs;
    }

    private static long ulps(float a, float b) {
        if (Float.compare(a, b) == 0 || a == b) {
            return 0;
        }
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Long.MAX_VALUE;
        }
        return Math.abs((long) Float.floatToIntBits(a) - Float.floatToIntBits(b));
    }

    private interface Kernel {
        void run(float[] x, float[] y, int from, int to);
    }

    private static void assertUlp(String what, Kernel fast, Kernel ref, long maxUlp) {
        float[] x = sweep();
        float[] y = new float[x.length];
        float[] r = new float[x.length];
        // odd offset so vector loop, tail and unaligned starts are all exercised
        fast.run(x, y, 3, x.length);
        ref.run(x, r, 3, x.length);
        long worst = 0;
        for (int i = 3; i < x.length; i++) {
            long u = Math.abs(r[i]) < Float.MIN_NORMAL ? (Math.abs(y[i] - r[i]) <= 2 * Float.MIN_VALUE ? 0 : Long.MAX_VALUE)
                    : ulps(y[i], r[i]);
            if (u > maxUlp) {
                throw new AssertionError(what + "(" + x[i] + ") = " + y[i] + ", reference " + r[i] + " (" + u + " ulp)");
            }
            worst = Math.max(worst, u);
        }
        System.out.println(what + ": max " + worst + " ulp from the scalar reference (" + Simd.describe() + ")");
    }

    @Test
    void sigmoidWithinTwoUlpOfScalar() {
        assertUlp("sigmoid", ACT::sigmoidForward, SPEC::sigmoidForward, 2);
    }

    @Test
    void tanhWithinTwoUlpOfScalar() {
        assertUlp("tanh", ACT::tanhForward, SPEC::tanhForward, 2);
    }

    @Test
    void reluExact() {
        assertUlp("relu", ACT::reluForward, SPEC::reluForward, 0);
    }

    @Test
    void vectorExpWithinOneUlp() {
        assumeTrue(Simd.ENABLED, "SIMD disabled");
        float[] x = sweep();
        float[] y = new float[x.length];
        VectorExpProbe.exp(x, y);
        long worst = 0;
        for (int i = 0; i < x.length; i++) {
            float ref = (float) Math.exp(x[i]);
            if (Float.isNaN(ref) || Math.abs(ref) < Float.MIN_NORMAL || Float.isInfinite(ref)) {
                assertTrue(Float.compare(ref, y[i]) == 0 || Math.abs(ref - y[i]) <= 2 * Float.MIN_VALUE,
                        "exp(" + x[i] + ") = " + y[i] + ", expected " + ref);
                continue;
            }
            worst = Math.max(worst, ulps(y[i], ref));
        }
        System.out.println("VectorMath.exp: max " + worst + " ulp from Math.exp (normal results)");
        assertTrue(worst <= 1, "exp max ulp " + worst);
    }

    @Test
    void saturatedLimitsAreExact() {
        float[] x = {-1e30f, 1e30f, -Float.MAX_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
            -200f, 200f, -20f, 20f, 0f, 0f, 0f, 0f, 0f, 0f};
        float[] y = new float[x.length];
        ACT.sigmoidForward(x, y, 0, x.length);
        for (int i = 0; i < 8; i++) {
            assertEquals(x[i] < 0 ? 0f : 1f, y[i], "sigmoid(" + x[i] + ")");
        }
        ACT.tanhForward(x, y, 0, x.length);
        for (int i = 0; i < 10; i++) {
            assertEquals(x[i] < 0 ? -1f : 1f, y[i], "tanh(" + x[i] + ")");
        }
        float[] nan = new float[16];
        java.util.Arrays.fill(nan, Float.NaN);
        ACT.sigmoidForward(nan, y, 0, 16);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[15]));
        ACT.tanhForward(nan, y, 0, 16);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[15]));
        ACT.reluForward(nan, y, 0, 16);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[15]));
    }

    @Test
    void backwardMatchesScalarExactly() {
        float[] y = new float[1000];
        float[] dy = new float[1000];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) Math.sin(i * 0.37);
            dy[i] = (float) Math.cos(i * 0.11);
        }
        float[] a = new float[1000];
        float[] b = new float[1000];
        ACT.sigmoidBackward(y, dy, a, 1, 999);
        SPEC.sigmoidBackward(y, dy, b, 1, 999);
        org.junit.jupiter.api.Assertions.assertArrayEquals(b, a);
        ACT.tanhBackward(y, dy, a, 1, 999);
        SPEC.tanhBackward(y, dy, b, 1, 999);
        org.junit.jupiter.api.Assertions.assertArrayEquals(b, a);
        ACT.reluBackward(y, dy, a, 1, 999);
        SPEC.reluBackward(y, dy, b, 1, 999);
        org.junit.jupiter.api.Assertions.assertArrayEquals(b, a);
    }
}
