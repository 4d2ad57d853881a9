package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.GoldenRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BatchRenorm, GhostBatchNorm, FrozenBatchNorm and PreciseBN against the float64 PyTorch 1.13
 * references of tools/golden/gen_bn_variants_golden.py (Batch Renorm's formula, BatchNorm per
 * chunk, detectron2's FrozenBatchNorm2d, the true average), within 1e-5 * max(1, |expected|).
 */
class BnVariantsGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"renorm_clip_16x6", "renorm_clip_6x4x5x5", "renorm_schedule_12x5", "renorm_noclip_4x3x3x3"})
    void batchRenorm(String name) {
        VariantGolden g = VariantGolden.load(name);
        int[] shape = g.shape();
        double[] sc = g.config("schedule");
        BatchRenorm bn = BatchRenorm.builder(shape[1]).eps(g.number("eps")).momentum(g.number("momentum"))
                .schedule(RenormSchedule.linear((long) sc[0], sc[1], (long) sc[2], sc[3], (long) sc[4])).build();
        setParams(g, bn.weight(), bn.bias());
        double[] steps = g.config("steps");
        for (int k = 0; k < steps.length; k++) {
            bn.zeroGrad();
            Tensor x = input(g, k, shape);
            Tensor y = bn.forward(x, steps[k] == 1);
            Tensor dx = bn.backward(gradient(g, k, shape));
            g.assertClose("y." + k, y.data());
            g.assertClose("dx." + k, dx.data());
            g.assertClose("dweight." + k, bn.weightGrad());
            g.assertClose("dbias." + k, bn.biasGrad());
            g.assertClose("running_mean." + k, bn.runningMean());
            g.assertClose("running_var." + k, bn.runningVar());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ghost_12x5_v4", "ghost_10x3_v4", "ghost_7x3x4x4_v3", "ghost_6x4x3x3_v8", "ghost_cumulative_11x4_v3"})
    void ghostBatchNorm(String name) {
        VariantGolden g = VariantGolden.load(name);
        int[] shape = g.shape();
        GhostBatchNorm.Builder b = GhostBatchNorm.builder(shape[1]).eps(g.number("eps")).virtualBatchSize((int) g.number("v"));
        double momentum = g.number("momentum");
        GhostBatchNorm bn = (Double.isNaN(momentum) ? b.cumulativeAverage() : b.momentum(momentum)).build();
        setParams(g, bn.weight(), bn.bias());
        double[] steps = g.config("steps");
        for (int k = 0; k < steps.length; k++) {
            bn.zeroGrad();
            Tensor y = bn.forward(input(g, k, shape), steps[k] == 1);
            Tensor dx = bn.backward(gradient(g, k, shape));
            g.assertClose("y." + k, y.data());
            g.assertClose("dx." + k, dx.data());
            g.assertClose("dweight." + k, bn.weightGrad());
            g.assertClose("dbias." + k, bn.biasGrad());
            g.assertClose("running_mean." + k, bn.runningMean());
            g.assertClose("running_var." + k, bn.runningVar());
            assertEquals((long) g.number("num_batches_tracked." + k), bn.numBatchesTracked(), name + " num_batches_tracked");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"frozen_8x5", "frozen_4x3x5x5", "frozen_1x6"})
    void frozenBatchNorm(String name) {
        VariantGolden g = VariantGolden.load(name);
        int[] shape = g.shape();
        FrozenBatchNorm bn = FrozenBatchNorm.builder(shape[1]).eps(g.number("eps")).build();
        setParams(g, bn.weight(), bn.bias());
        // running mean = beta-like and running var from the stats seed, as the script draws them
        long ss = g.seed("stats_seed");
        System.arraycopy(GoldenRandom.beta(ss, shape[1]), 0, bn.runningMean(), 0, shape[1]);
        System.arraycopy(g.tensor("running_var_in"), 0, bn.runningVar(), 0, shape[1]);
        for (boolean training : new boolean[] {true, false}) {
            Tensor y = bn.forward(input(g, 0, shape), training);
            Tensor dx = bn.backward(gradient(g, 0, shape));
            g.assertClose("y.0", y.data());
            g.assertClose("dx.0", dx.data());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"precise_16x6_k5", "precise_4x3x4x4_k3"})
    void preciseBN(String name) {
        VariantGolden g = VariantGolden.load(name);
        int[] shape = g.shape();
        int c = shape[1];
        BatchNorm bn0 = BatchNorm.builder(c).eps(g.number("eps")).build();
        BatchNorm bn1 = BatchNorm.builder(c).eps(g.number("eps")).build();
        long p0 = g.seed("param_seed.0");
        long p1 = g.seed("param_seed.1");
        System.arraycopy(GoldenRandom.gamma(p0, c), 0, bn0.weight(), 0, c);
        System.arraycopy(GoldenRandom.beta(p0, c), 0, bn0.bias(), 0, c);
        System.arraycopy(GoldenRandom.gamma(p1, c), 0, bn1.weight(), 0, c);
        System.arraycopy(GoldenRandom.beta(p1, c), 0, bn1.bias(), 0, c);
        Sequential model = new Sequential(bn0, new ReLU(), bn1);
        int k = (int) g.number("k");
        List<Tensor> batches = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            batches.add(input(g, i, shape));
        }
        assertEquals(2, PreciseBN.update(model, batches, k));
        g.assertClose("precise_mean.0", bn0.runningMean());
        g.assertClose("precise_var.0", bn0.runningVar());
        g.assertClose("precise_mean.1", bn1.runningMean());
        g.assertClose("precise_var.1", bn1.runningVar());
        assertEquals(0, bn0.numBatchesTracked(), "numBatchesTracked is kept");
    }

    private static void setParams(VariantGolden g, float[] weight, float[] bias) {
        long ps = g.seed("param_seed");
        System.arraycopy(GoldenRandom.gamma(ps, weight.length), 0, weight, 0, weight.length);
        System.arraycopy(GoldenRandom.beta(ps, bias.length), 0, bias, 0, bias.length);
    }

    private static Tensor input(VariantGolden g, int k, int[] shape) {
        return Tensor.of(GoldenRandom.input(g.seed("x_seed." + k), shape), shape);
    }

    private static Tensor gradient(VariantGolden g, int k, int[] shape) {
        return Tensor.of(GoldenRandom.grad(g.seed("dy_seed." + k), (int) Tensor.numel(shape)), shape);
    }
}
