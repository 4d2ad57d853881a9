package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LayerNorm, GroupNorm and InstanceNorm give bit-identical results with 1, 2 and 3 threads. */
class NormDeterminismTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    /** Shapes above the single-thread threshold (32K elements); LayerNorm over 700 positions spans three position blocks. */
    @ParameterizedTest(name = "{0} {1} k={2}")
    @CsvSource({"ln,'64,700',1", "ln,'16,8,17,17',3", "ln,'8,16,33,9',2", "gn,'16,32,9,9',4", "gn,'300,128',8",
                "in,'8,16,17,17',0"})
    void oneTwoAndThreeThreadsGiveIdenticalBits(String layer, String dims, int k) {
        int[] shape = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        float[][] one = run(layer, shape, k, 1);
        for (int t : new int[] {2, 3}) {
            float[][] many = run(layer, shape, k, t);
            for (int i = 0; i < one.length; i++) {
                assertArrayEquals(one[i], many[i], "output " + i + " with " + t + " threads");
            }
        }
    }

    private static float[][] run(String layer, int[] shape, int k, int threads) {
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(42);
        int len = (int) Tensor.numel(shape);
        float[] x = BatchNormTest.randn(r, len, 0.3, 2);
        float[] dy = BatchNormTest.randn(r, len, 0, 1);
        GroupedNorm norm = layer.equals("in")
                ? InstanceNorm.builder(shape[1]).affine(true).trackRunningStats(true).build()
                : NormGradientTest.build(layer, shape, k);
        for (int p = 0; p < norm.weight().length; p++) {
            norm.weight()[p] = (float) (0.5 + r.nextDouble());
            norm.bias()[p] = (float) r.nextGaussian();
        }
        Tensor y = norm.forward(Tensor.of(x, shape), true);
        Tensor dx = norm.backward(Tensor.of(dy, shape));
        Tensor ye = norm.forward(Tensor.of(x, shape), false);
        Tensor dxe = norm.backward(Tensor.of(dy, shape));
        float[] rm = norm instanceof InstanceNorm ? ((InstanceNorm) norm).runningMean() : new float[0];
        float[] rv = norm instanceof InstanceNorm ? ((InstanceNorm) norm).runningVar() : new float[0];
        return new float[][] {y.data(), dx.data(), ye.data(), dxe.data(), norm.weightGrad(), norm.biasGrad(), rm, rv};
    }
}
