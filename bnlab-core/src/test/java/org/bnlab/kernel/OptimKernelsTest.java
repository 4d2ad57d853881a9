package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The dispatching optimizer kernels (SIMD when enabled) are bit-identical to the scalar specification. */
class OptimKernelsTest {
    static final OptimKernel OPT = KernelProvider.get().optim();
    static final OptimKernel SPEC = KernelProvider.scalar().optim();


    private static final int N = 1037; // not a multiple of any vector length: exercises the tail

    private static float[] wave(double a, double f) {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = (float) (a * Math.sin(f * i + 0.3));
        }
        return x;
    }

    @Test
    void sgdMatchesScalar() {
        for (boolean nesterov : new boolean[] {false, true}) {
            for (float wd : new float[] {0f, 0.01f}) {
                for (float momentum : new float[] {0f, 0.9f}) {
                    if (nesterov && momentum == 0) {
                        continue;
                    }
                    float[] p1 = wave(1, 0.37);
                    float[] p2 = p1.clone();
                    float[] b1 = momentum != 0 ? new float[N] : null;
                    float[] b2 = momentum != 0 ? new float[N] : null;
                    for (int step = 0; step < 3; step++) {
                        float[] g = wave(0.1, 0.11 + step);
                        OPT.sgd(p1, g, b1, 0.05f, momentum, 0.75f, nesterov, wd, step == 0);
                        SPEC.sgd(p2, g, b2, 0.05f, momentum, 0.75f, nesterov, wd, step == 0);
                    }
                    assertArrayEquals(p2, p1, "nesterov " + nesterov + " wd " + wd + " momentum " + momentum);
                    if (b1 != null) {
                        assertArrayEquals(b2, b1);
                    }
                }
            }
        }
    }

    @Test
    void adamMatchesScalar() {
        for (boolean decoupled : new boolean[] {false, true}) {
            for (float wd : new float[] {0f, 0.1f}) {
                float[] p1 = wave(1, 0.37);
                float[] p2 = p1.clone();
                float[] m1 = new float[N];
                float[] m2 = new float[N];
                float[] v1 = new float[N];
                float[] v2 = new float[N];
                for (int t = 1; t <= 3; t++) {
                    float[] g = wave(0.1, 0.11 + t);
                    float stepSize = (float) (1e-2 / (1 - Math.pow(0.9, t)));
                    float bc2 = (float) Math.sqrt(1 - Math.pow(0.999, t));
                    float shrink = (float) (1 - 1e-2 * wd);
                    OPT.adam(p1, g, m1, v1, 0.9f, 0.1f, 0.999f, 0.001f, stepSize, bc2, 1e-8f, wd, decoupled, shrink);
                    SPEC.adam(p2, g, m2, v2, 0.9f, 0.1f, 0.999f, 0.001f, stepSize, bc2, 1e-8f, wd, decoupled, shrink);
                }
                assertArrayEquals(p2, p1, "decoupled " + decoupled + " wd " + wd);
                assertArrayEquals(m2, m1);
                assertArrayEquals(v2, v1);
            }
        }
    }

    @Test
    void sumSquaresIsTheDoubleSum() {
        float[] x = wave(3, 0.7);
        double ref = 0;
        for (float v : x) {
            ref += (double) v * v;
        }
        assertEquals(ref, OptimKernel.sumSquares(x), 1e-12 * ref);
        assertEquals(14.0, OptimKernel.sumSquares(new float[] {1, 2, 3}));
    }
}
