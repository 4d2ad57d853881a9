package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.GoldenRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LayerNorm, GroupNorm and InstanceNorm against PyTorch 1.13: every case in
 * {@code src/test/resources/golden/norm/} (written by {@code tools/golden/gen_norm_golden.py}) replays
 * its train/eval forward + backward steps on bit-identical inputs and compares y, dx, weight.grad,
 * bias.grad and, for InstanceNorm with tracking, running_mean, running_var and num_batches_tracked.
 *
 * <p>Expected b: PyTorch's module in float64 on the same float32 inputs, rounded to float32. e: float32
 * PyTorch's worst relative error on that tensor, max |t32 - b| / max(1, |b|). Criterion, as in
 * BatchNormGoldenTest with one e per tensor: {@code |a - b| <= max(1e-5, 4 e) * max(1, |b|)}, e = 0 in
 * strict cases (badly conditioned inputs, where bnlab must get the exact answer although float32
 * PyTorch does not); num_batches_tracked exactly.
 */
class NormGoldenTest {
    private static final double RTOL = 1e-5;
    private static final double TORCH32_FACTOR = 4.0;
    private static final int MAX_REPORTED = 8;

    static List<String> cases() {
        return NormGoldenCase.names();
    }

    @Test
    void goldenDataCoversEveryLayer() {
        List<String> names = cases();
        assertFalse(names.isEmpty(), "no golden cases in " + NormGoldenCase.DIR);
        for (String prefix : new String[] {"ln_", "gn_", "in_"}) {
            assertFalse(names.stream().noneMatch(n -> n.startsWith(prefix)), "no " + prefix + " case");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name) {
        NormGoldenCase g = NormGoldenCase.load(name);
        GroupedNorm layer = build(g);
        List<String> errors = new ArrayList<>();
        int p = g.paramCount();
        if (g.affine()) {
            float[] w = GoldenRandom.gamma(g.paramSeed(), p);
            float[] b = GoldenRandom.beta(g.paramSeed(), p);
            assertEquals(g.weightChecksum(), GoldenRandom.checksum(w), "weight differs from the generator's");
            assertEquals(g.biasChecksum(), GoldenRandom.checksum(b), "bias differs from the generator's");
            System.arraycopy(w, 0, layer.weight(), 0, p);
            System.arraycopy(b, 0, layer.bias(), 0, p);
        }
        int numel = Math.toIntExact(Tensor.numel(g.shape()));
        for (int s = 0; s < g.steps().size(); s++) {
            NormGoldenCase.Step step = g.steps().get(s);
            String where = name + " step " + s + " (" + (step.training() ? "train" : "eval") + ") ";
            float[] x = GoldenRandom.input(step.xSeed(), g.inputScale(), g.inputOffset(), g.shape());
            float[] dy = GoldenRandom.grad(step.dySeed(), numel);
            assertEquals(step.xChecksum(), GoldenRandom.checksum(x), where + "x differs from Python's");
            assertEquals(step.dyChecksum(), GoldenRandom.checksum(dy), where + "dy differs from Python's");
            if (!g.accumulateGrads()) {
                layer.zeroGrad();
            }
            Tensor y = layer.forward(Tensor.of(x, g.shape()), step.training());
            Tensor dx = layer.backward(Tensor.of(dy, g.shape()));
            values(errors, where + "y", y.data(), step.y(), g.strict());
            values(errors, where + "dx", dx.data(), step.dx(), g.strict());
            if (g.affine()) {
                vector(errors, where + "weight.grad", layer.weightGrad(), step.weightGrad(), g.strict());
                vector(errors, where + "bias.grad", layer.biasGrad(), step.biasGrad(), g.strict());
            }
            if (g.trackRunningStats()) {
                InstanceNorm in = (InstanceNorm) layer;
                vector(errors, where + "running_mean", in.runningMean(), step.runningMean(), g.strict());
                vector(errors, where + "running_var", in.runningVar(), step.runningVar(), g.strict());
                if (in.numBatchesTracked() != step.numBatchesTracked()) {
                    errors.add(where + "num_batches_tracked: expected " + step.numBatchesTracked() + ", actual "
                            + in.numBatchesTracked());
                }
            }
        }
        if (!errors.isEmpty()) {
            fail(errors.size() + " mismatches against PyTorch (|a-b| <= max(1e-5, 4 e) * max(1, |b|)):\n"
                    + String.join("\n", errors.subList(0, Math.min(errors.size(), 40))));
        }
    }

    private static GroupedNorm build(NormGoldenCase g) {
        switch (g.layer()) {
            case NormGoldenCase.LAYER_NORM:
                return LayerNorm.builder(g.normalizedShape()).eps(g.eps()).elementwiseAffine(g.affine()).build();
            case NormGoldenCase.GROUP_NORM:
                return GroupNorm.builder(g.aux(), g.shape()[1]).eps(g.eps()).affine(g.affine()).build();
            case NormGoldenCase.INSTANCE_NORM:
                return InstanceNorm.builder(g.shape()[1]).eps(g.eps()).momentum(g.momentum()).affine(g.affine())
                        .trackRunningStats(g.trackRunningStats()).build();
            default:
                throw new IllegalStateException(g.name() + ": unknown layer " + g.layer());
        }
    }

    private static double tolerance(float torch32Error, boolean strict) {
        return Math.max(RTOL, strict ? 0 : TORCH32_FACTOR * torch32Error);
    }

    private static void values(List<String> errors, String what, float[] actual, NormGoldenCase.Values expected,
                               boolean strict) {
        double tol = tolerance(expected.torch32Error(), strict);
        int bad = 0;
        for (int k = 0; k < expected.values().length; k++) {
            int i = expected.flatIndex(k);
            float b = expected.values()[k];
            if (!(Math.abs(actual[i] - b) <= tol * Math.max(1, Math.abs(b))) && bad++ < MAX_REPORTED) {
                errors.add(String.format("%s[%d]: expected %.9g, actual %.9g (tolerance %.3g relative)", what, i, b,
                        actual[i], tol));
            }
        }
    }

    private static void vector(List<String> errors, String what, float[] actual, NormGoldenCase.Vector expected,
                               boolean strict) {
        if (actual == null || actual.length != expected.values().length) {
            errors.add(what + ": expected " + expected.values().length + " values, got "
                    + (actual == null ? "null" : Arrays.toString(actual)));
            return;
        }
        double tol = tolerance(expected.torch32Error(), strict);
        for (int i = 0; i < actual.length; i++) {
            float b = expected.values()[i];
            if (!(Math.abs(actual[i] - b) <= tol * Math.max(1, Math.abs(b)))) {
                errors.add(String.format("%s[%d]: expected %.9g, actual %.9g (tolerance %.3g relative)", what, i, b,
                        actual[i], tol));
            }
        }
    }
}
