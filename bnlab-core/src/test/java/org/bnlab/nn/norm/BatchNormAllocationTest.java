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
 * forwardBuffered / backwardBuffered in training mode allocate nothing once warm (the training loop's
 * path). Measured with the thread's allocation counter; the best of several rounds must be exactly 0,
 * because a round that overlaps a JIT recompilation can allocate a few bytes (see TrainingAllocationTest).
 */
class BatchNormAllocationTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"'60,100'", "'8,16,7,7'"})
    void trainingForwardAndBackwardAllocateNothing(String dims) {
        // as in TrainingAllocationTest: the SIMD path's allocation depends on C2's compile order and is
        // measured by JMH -prof gc; the scalar-kernel execution pins down our code deterministically
        Assumptions.assumeFalse(org.bnlab.kernel.Simd.ENABLED, "checked with -Dbnlab.simd=false; SIMD: JMH -prof gc");
        Parallel.setThreads(1);
        int[] shape = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        int len = (int) Tensor.numel(shape);
        SplittableRandom r = new SplittableRandom(3);
        float[] xs = new float[len];
        float[] gs = new float[len];
        for (int i = 0; i < len; i++) {
            xs[i] = (float) (r.nextGaussian() * 2 + 1);
            gs[i] = (float) r.nextGaussian();
        }
        Tensor x = Tensor.of(xs, shape);
        Tensor dy = Tensor.of(gs, shape);
        BatchNorm bn = BatchNorm.builder(shape[1]).build();
        for (int i = 0; i < 20_000; i++) {
            bn.forwardBuffered(x, true);
            bn.backwardBuffered(dy);
        }
        long best = AllocationMeter.bestOfRounds(20, 2000, () -> {
            bn.forwardBuffered(x, true);
            bn.backwardBuffered(dy);
        });
        assertEquals(0, best, "bytes allocated by 2000 forward+backward calls on " + dims + " (best round)");
    }
}
