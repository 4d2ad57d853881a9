package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.AllocationMeter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * forwardBuffered / backwardBuffered of LayerNorm, GroupNorm and InstanceNorm allocate nothing once
 * warm, in training and in eval; same method as BatchNormAllocationTest (scalar-kernel execution,
 * best of several rounds must be exactly 0 bytes).
 */
class NormAllocationTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @ParameterizedTest(name = "{0} {1} k={2}")
    @CsvSource({"ln,'60,100',1", "ln,'8,16,7,7',3", "gn,'8,16,7,7',4", "gn,'60,100',5", "in,'8,16,7,7',0"})
    void forwardAndBackwardAllocateNothing(String layer, String dims, int k) {
        Assumptions.assumeFalse(org.bnlab.kernel.Simd.ENABLED, "checked with -Dbnlab.simd=false; SIMD: JMH -prof gc");
        Parallel.setThreads(1);
        int[] shape = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        int len = (int) Tensor.numel(shape);
        SplittableRandom r = new SplittableRandom(3);
        Tensor x = Tensor.of(BatchNormTest.randn(r, len, 1, 2), shape);
        Tensor dy = Tensor.of(BatchNormTest.randn(r, len, 0, 1), shape);
        GroupedNorm norm = layer.equals("in")
                ? InstanceNorm.builder(shape[1]).affine(true).trackRunningStats(true).build()
                : NormGradientTest.build(layer, shape, k);
        Runnable step = () -> {
            norm.forwardBuffered(x, true);
            norm.backwardBuffered(dy);
            norm.forwardBuffered(x, false);
            norm.backwardBuffered(dy);
        };
        for (int i = 0; i < 10_000; i++) {
            step.run();
        }
        long best = AllocationMeter.bestOfRounds(20, 1000, step);
        assertEquals(0, best, "bytes allocated by 1000 train+eval forward/backward pairs on " + layer + " " + dims + " (best round)");
    }
}
