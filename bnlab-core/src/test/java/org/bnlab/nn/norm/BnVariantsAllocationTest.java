package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.Module;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.AllocationMeter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * forwardBuffered/backwardBuffered of BatchRenorm, GhostBatchNorm and FrozenBatchNorm (frozen and
 * trainable affine) allocate nothing once warm, in training and eval; measured as BatchNormAllocationTest
 * does (scalar kernels, one thread, best of rounds).
 */
class BnVariantsAllocationTest {
    private final int saved = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"renorm,'60,100'", "renorm,'8,16,7,7'", "ghost,'60,100'", "ghost,'8,16,7,7'", "frozen,'60,100'",
            "frozen,'8,16,7,7'", "frozen-affine,'60,100'"})
    void buffersAreReused(String kind, String dims) {
        Assumptions.assumeFalse(org.bnlab.kernel.Simd.ENABLED, "checked with -Dbnlab.simd=false; SIMD: JMH -prof gc");
        Parallel.setThreads(1);
        int[] shape = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        int c = shape[1];
        Module layer = switch (kind) {
            case "renorm" -> BatchRenorm.builder(c).clipping(3, 5).build();
            case "ghost" -> GhostBatchNorm.builder(c).virtualBatchSize(3).build();
            case "frozen" -> FrozenBatchNorm.builder(c).build();
            default -> FrozenBatchNorm.builder(c).trainableAffine(true).build();
        };
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
        Runnable step = () -> {
            layer.forwardBuffered(x, true);
            layer.backwardBuffered(dy);
            layer.forwardBuffered(x, false);
            layer.backwardBuffered(dy);
        };
        for (int i = 0; i < 10_000; i++) {
            step.run();
        }
        long best = AllocationMeter.bestOfRounds(20, 1000, step);
        assertEquals(0, best, "bytes allocated by 1000 training+eval steps of " + kind + " on " + dims + " (best round)");
    }
}
