package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Kernels that create activations and gradients flush subnormal results to zero (see Subnormals):
 * without it, sigma(-100) = 3.7e-44 would feed the next GEMM and make it ~27x slower.
 */
class SubnormalsTest {
    /** The kernels in use (SIMD unless disabled) and the scalar specification. */
    static final ActivationKernel ACT = KernelProvider.get().activations();
    static final ActivationKernel SPEC = KernelProvider.scalar().activations();

    static final int N = 37; // covers full vectors and a scalar tail

    static void assertNoSubnormal(float[] a, String what) {
        for (int i = 0; i < a.length; i++) {
            assertTrue(a[i] == 0f || Math.abs(a[i]) >= Float.MIN_NORMAL || Float.isNaN(a[i]),
                    what + "[" + i + "] = " + a[i] + " is subnormal");
        }
    }

    @Test
    void flushKeepsNormalsAndNaN() {
        assertEquals(0f, Subnormals.flush(1e-40f));
        assertEquals(0f, Subnormals.flush(-1e-40f));
        assertEquals(Float.MIN_NORMAL, Subnormals.flush(Float.MIN_NORMAL));
        assertEquals(1.5f, Subnormals.flush(1.5f));
        assertTrue(Float.isNaN(Subnormals.flush(Float.NaN)));
    }

    @Test
    void sigmoidAndTanhForwardAndBackwardFlush() {
        float[] x = new float[N];
        Arrays.fill(x, -100f); // sigma(-100) = 3.7e-44: subnormal unless flushed
        float[] y = new float[N];
        ACT.sigmoidForward(x, y, 0, N);
        assertNoSubnormal(y, "sigmoid (dispatch)");
        assertEquals(0f, y[0]);
        SPEC.sigmoidForward(x, y, 0, N);
        assertEquals(0f, y[N - 1]);

        float[] s = new float[N];
        float[] dy = new float[N];
        Arrays.fill(s, 1e-30f);
        Arrays.fill(dy, 1e-10f); // dy * s * (1 - s) = 1e-40
        float[] dx = new float[N];
        ACT.sigmoidBackward(s, dy, dx, 0, N);
        assertNoSubnormal(dx, "sigmoid backward");
        SPEC.sigmoidBackward(s, dy, dx, 0, N);
        assertNoSubnormal(dx, "sigmoid backward (scalar)");

        Arrays.fill(x, 1e-40f);
        ACT.tanhForward(x, y, 0, N);
        assertNoSubnormal(y, "tanh");
        Arrays.fill(s, 0.5f);
        Arrays.fill(dy, 1e-39f);
        ACT.tanhBackward(s, dy, dx, 0, N);
        assertNoSubnormal(dx, "tanh backward");
    }

    @Test
    void crossEntropyGradientFlushes() {
        float[] logits = new float[4 * 10];
        for (int r = 0; r < 4; r++) {
            logits[r * 10 + r] = 120f; // softmax of the others: exp(-120) = 7.7e-53
        }
        CrossEntropyLoss ce = new CrossEntropyLoss();
        ce.forward(Tensor.of(logits, 4, 10), new int[] {0, 1, 2, 3});
        assertNoSubnormal(ce.gradBuffer().data(), "dlogits");
    }

    @Test
    void batchNormOutputsAndGradientsFlush() {
        // a constant channel normalizes to exactly beta; beta subnormal must come out as 0
        BatchNorm bn = BatchNorm.builder(2).build();
        bn.bias()[0] = 1e-40f;
        bn.bias()[1] = -1e-40f;
        float[] x = new float[2 * 2 * 40];
        Arrays.fill(x, 3f);
        Tensor y = bn.forward(Tensor.of(x, 2, 2, 40, 1), true);
        assertNoSubnormal(y.data(), "BN y");
        float[] g = new float[x.length];
        Arrays.fill(g, 1e-36f);
        g[0] = 2e-36f;
        Tensor dx = bn.backward(Tensor.of(g, 2, 2, 40, 1));
        assertNoSubnormal(dx.data(), "BN dx");
    }
}
