package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Results must be bit-identical whatever the thread count (PyTorch #53691). */
class BatchNormDeterminismTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"'512,200'", "'1024,70'", "'2050,256'", "'16,64,16,16'", "'66,64,16,16'", "'8,3,40,40'", "'4,130,9,9'"})
    void oneAndThreeThreadsGiveIdenticalBits(String dims) {
        int[] shape = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        float[][] one = run(shape, 1);
        for (int t : new int[] {2, 3}) {
            float[][] many = run(shape, t);
            for (int k = 0; k < one.length; k++) {
                assertArrayEquals(one[k], many[k], "output " + k + " with " + t + " threads");
            }
        }
    }

    private static float[][] run(int[] shape, int threads) {
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(42);
        int len = (int) Tensor.numel(shape);
        float[] x = BatchNormTest.randn(r, len, 0.3, 2);
        float[] dy = BatchNormTest.randn(r, len, 0, 1);
        BatchNorm bn = BatchNorm.builder(shape[1]).build();
        Tensor y = bn.forward(Tensor.of(x, shape), true);
        Tensor dx = bn.backward(Tensor.of(dy, shape));
        Tensor ye = bn.forward(Tensor.of(x, shape), false);
        Tensor dxe = bn.backward(Tensor.of(dy, shape));
        return new float[][] {y.data(), dx.data(), ye.data(), dxe.data(), bn.runningMean(), bn.runningVar(), bn.weightGrad(), bn.biasGrad()};
    }
}
