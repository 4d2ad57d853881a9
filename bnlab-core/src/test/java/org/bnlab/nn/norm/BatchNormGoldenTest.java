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
 * BatchNorm against PyTorch 1.13: every case in {@code src/test/resources/golden/bn/} (written by
 * {@code tools/golden/gen_bn_golden.py}) replays the same sequence of train/eval forward + backward
 * steps on bit-identical inputs and compares, after every step: y, dx, weight.grad, bias.grad,
 * running_mean, running_var and num_batches_tracked.
 *
 * <p>The expected value b is PyTorch's module run in float64 on the same float32 inputs (rounded to
 * float32), because PyTorch's float32 CPU kernel is itself up to 2e-4 relative away from it (float32
 * accumulators for dense input, mean and invstd folded in float32). e_c is float32 PyTorch's own
 * largest error |torch32 - b| in channel c, stored with the golden data. e_c is taken as 0 where
 * float32 PyTorch overflowed to inf or NaN, and in "strict" cases: the badly conditioned inputs of
 * REFERENCE section 4, where bnlab must get the exact answer although float32 PyTorch does not.
 * Criterion for an actual value a:
 * <ul>
 *   <li>elements (y, dx whole or sampled; per-channel vectors):
 *       {@code |a - b| <= max(1e-5 * max(1, |b|), 4 * e_c)}: 1e-5 relative (absolute near zero),
 *       or no worse than 4 times float32 PyTorch (2 is not enough for an implementation that folds
 *       mean and invstd in float32 exactly as PyTorch does, rounding differently); a NaN or
 *       infinity must match exactly;</li>
 *   <li>float64 sums over the full y and dx (they also cover the elements a sample skips), with
 *       D = sum over elements of 4 e_c and Q = sum of (4 e_c)^2: sum(v) and sum(|v|) within
 *       {@code 1e-5 * max(1, sum|b|) + D}; sum(v^2) within
 *       {@code 1e-5 * max(1, sum b^2) + 2 sqrt(sum b^2 * Q) + Q}. sum(v) is scaled by sum|b|
 *       because it cancels (sum(dx) is 0 in exact arithmetic in training mode);</li>
 *   <li>num_batches_tracked: exactly equal.</li>
 * </ul>
 * A failure lists every mismatching case, step, tensor and index with expected and actual values.
 */
class BatchNormGoldenTest {
    private static final double RTOL = 1e-5;
    /** How many times float32 PyTorch's own error an implementation may be off. */
    private static final double TORCH32_FACTOR = 4.0;
    private static final int MAX_REPORTED_PER_TENSOR = 8;

    static List<String> cases() {
        return BnGoldenCase.names();
    }

    @Test
    void goldenDataIsPresent() {
        assertFalse(cases().isEmpty(), "no golden cases in " + BnGoldenCase.DIR);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name) {
        BnGoldenCase g = BnGoldenCase.load(name);
        int c = g.numFeatures();
        Mismatches m = new Mismatches(g);

        var builder = BatchNorm.builder(c).eps(g.eps()).affine(g.affine())
                .trackRunningStats(g.trackRunningStats());
        builder = g.cumulativeAverage() ? builder.cumulativeAverage() : builder.momentum(g.momentum());
        BatchNorm bn = builder.build();

        // PyTorch's initial state, then the case's gamma and beta.
        if (g.affine()) {
            m.fill("initial weight", bn.weight(), 1f);
            m.fill("initial bias", bn.bias(), 0f);
            float[] gamma = GoldenRandom.gamma(g.paramSeed(), c);
            float[] beta = GoldenRandom.beta(g.paramSeed(), c);
            assertEquals(g.gammaChecksum(), GoldenRandom.checksum(gamma), "gamma differs from the generator's");
            assertEquals(g.betaChecksum(), GoldenRandom.checksum(beta), "beta differs from the generator's");
            System.arraycopy(gamma, 0, bn.weight(), 0, c);
            System.arraycopy(beta, 0, bn.bias(), 0, c);
        }
        if (g.trackRunningStats()) {
            m.fill("initial running_mean", bn.runningMean(), 0f);
            m.fill("initial running_var", bn.runningVar(), 1f);
            m.exact("initial num_batches_tracked", bn.numBatchesTracked(), 0);
        }

        int numel = Math.toIntExact(Tensor.numel(g.shape()));
        for (int s = 0; s < g.steps().size(); s++) {
            BnGoldenCase.Step step = g.steps().get(s);
            m.step = s;
            m.mode = step.training() ? "train" : "eval";
            float[] x = GoldenRandom.input(step.xSeed(), g.inputScale(), g.inputOffset(), g.shape());
            float[] dy = GoldenRandom.grad(step.dySeed(), numel);
            assertEquals(step.xChecksum(), GoldenRandom.checksum(x), "step " + s + ": x differs from Python's");
            assertEquals(step.dyChecksum(), GoldenRandom.checksum(dy), "step " + s + ": dy differs from Python's");

            if (!g.accumulateGrads()) {
                bn.zeroGrad();
            }
            Tensor y = bn.forward(Tensor.of(x, g.shape()), step.training());
            Tensor dx = bn.backward(Tensor.of(dy, g.shape()));

            m.shape("y", y, g.shape());
            m.shape("dx", dx, g.shape());
            m.exact("x unchanged by forward/backward (checksum)", GoldenRandom.checksum(x), step.xChecksum());
            m.exact("dy unchanged by backward (checksum)", GoldenRandom.checksum(dy), step.dyChecksum());
            m.values("y", y.data(), step.y());
            m.values("dx", dx.data(), step.dx());
            if (g.affine()) {
                m.vector("weight.grad", bn.weightGrad(), step.weightGrad());
                m.vector("bias.grad", bn.biasGrad(), step.biasGrad());
            }
            if (g.trackRunningStats()) {
                m.vector("running_mean", bn.runningMean(), step.runningMean());
                m.vector("running_var", bn.runningVar(), step.runningVar());
                m.exact("num_batches_tracked", bn.numBatchesTracked(), step.numBatchesTracked());
            }
        }
        m.assertNone();
    }

    /** Collects every mismatch of one case so a failure shows all of them at once. */
    private static final class Mismatches {
        private final BnGoldenCase g;
        private final List<String> lines = new ArrayList<>();
        private int count;
        int step = -1;
        String mode = "";

        Mismatches(BnGoldenCase g) {
            this.g = g;
        }

        private String where(String tensor) {
            return step < 0 ? tensor : "step " + step + " (" + mode + ") " + tensor;
        }

        /** What float32 PyTorch's own error e lets an implementation deviate. */
        private double slack(float e) {
            return Float.isFinite(e) && !g.strict() ? TORCH32_FACTOR * e : 0;
        }

        /** True when {@code |actual - expected| <= max(RTOL * max(1, |scale|), slack)}. */
        private static boolean close(double actual, double expected, double scale, double slack) {
            if (Double.isNaN(expected) || Double.isInfinite(expected)) {
                return Double.compare(actual, expected) == 0;
            }
            return Math.abs(actual - expected) <= Math.max(RTOL * Math.max(1.0, Math.abs(scale)), slack);
        }

        private void report(String tensor, String index, double expected, double actual, double slack,
                int[] perTensor) {
            count++;
            if (perTensor[0]++ < MAX_REPORTED_PER_TENSOR) {
                lines.add(String.format("%s %s%s: expected %.9g, actual %.9g, |diff| %.3g (float32 PyTorch slack %.3g)",
                        g.name(), where(tensor), index, expected, actual, Math.abs(actual - expected), slack));
            }
        }

        private void summarize(String tensor, int[] perTensor) {
            if (perTensor[0] > MAX_REPORTED_PER_TENSOR) {
                lines.add(String.format("%s %s: ... %d mismatches in total", g.name(), where(tensor), perTensor[0]));
            }
        }

        /** Elements per channel, and the channel of a flat index. */
        private int inner() {
            int inner = 1;
            for (int d = 2; d < g.shape().length; d++) {
                inner *= g.shape()[d];
            }
            return inner;
        }

        /** [n, c, h, w]-style coordinates of a flat index, to tell which channel is off. */
        private String coords(int flat) {
            int[] shape = g.shape();
            int[] at = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                at[d] = flat % shape[d];
                flat /= shape[d];
            }
            return Arrays.toString(at);
        }

        void values(String tensor, float[] actual, BnGoldenCase.Values expected) {
            int c = g.numFeatures();
            int inner = inner();
            int[] perTensor = {0};
            for (int k = 0; k < expected.values().length; k++) {
                int i = expected.flatIndex(k);
                float b = expected.values()[k];
                double slack = slack(expected.torch32Error()[(i / inner) % c]);
                if (i >= actual.length) {
                    report(tensor, "[" + i + "] out of range", b, Double.NaN, slack, perTensor);
                } else if (!close(actual[i], b, b, slack)) {
                    report(tensor, "[" + i + "]=" + coords(i), b, actual[i], slack, perTensor);
                }
            }
            summarize(tensor, perTensor);

            double sum = 0;
            double sumAbs = 0;
            double sumSq = 0;
            for (float v : actual) {
                sum += v;
                sumAbs += Math.abs(v);
                sumSq += (double) v * v;
            }
            // D and Q: what the per-element slack allows the sums to move.
            int perChannel = g.shape()[0] * inner;
            double d = 0;
            double q = 0;
            for (float e : expected.torch32Error()) {
                double slack = slack(e);
                d += perChannel * slack;
                q += perChannel * slack * slack;
            }
            int[] sums = {0};
            if (!close(sum, expected.sum(), 0, RTOL * Math.max(1, expected.sumAbs()) + d)) {
                report("sum(" + tensor + ")", "", expected.sum(), sum, d, sums);
            }
            if (!close(sumAbs, expected.sumAbs(), 0, RTOL * Math.max(1, expected.sumAbs()) + d)) {
                report("sum(|" + tensor + "|)", "", expected.sumAbs(), sumAbs, d, sums);
            }
            double sqSlack = 2 * Math.sqrt(expected.sumSq() * q) + q;
            if (!close(sumSq, expected.sumSq(), 0, RTOL * Math.max(1, expected.sumSq()) + sqSlack)) {
                report("sum(" + tensor + "^2)", "", expected.sumSq(), sumSq, sqSlack, sums);
            }
        }

        void vector(String tensor, float[] actual, BnGoldenCase.Vector expected) {
            vector(tensor, actual, expected.values(), expected.torch32Error());
        }

        void vector(String tensor, float[] actual, float[] expected, float[] torch32Error) {
            int[] perTensor = {0};
            if (actual == null || actual.length != expected.length) {
                report(tensor, actual == null ? " is null" : " has length " + actual.length, expected.length,
                        Double.NaN, 0, perTensor);
                return;
            }
            for (int i = 0; i < expected.length; i++) {
                double slack = slack(torch32Error[i]);
                if (!close(actual[i], expected[i], expected[i], slack)) {
                    report(tensor, "[" + i + "]", expected[i], actual[i], slack, perTensor);
                }
            }
            summarize(tensor, perTensor);
        }

        void fill(String tensor, float[] actual, float value) {
            float[] expected = new float[g.numFeatures()];
            Arrays.fill(expected, value);
            vector(tensor, actual, expected, new float[expected.length]);
        }

        void exact(String what, long actual, long expected) {
            if (actual != expected) {
                count++;
                lines.add(String.format("%s %s: expected %d, actual %d", g.name(), where(what), expected, actual));
            }
        }

        void shape(String tensor, Tensor t, int[] expected) {
            if (!t.sameShape(expected)) {
                count++;
                lines.add(String.format("%s %s: expected shape %s, actual %s", g.name(), where(tensor),
                        Arrays.toString(expected), Arrays.toString(t.shape())));
            }
        }

        void assertNone() {
            if (count > 0) {
                fail(count + " mismatches against PyTorch (criterion |a-b| <= max(1e-5*max(1,|b|), "
                        + TORCH32_FACTOR + " * float32 PyTorch's error)):\n"
                        + String.join("\n", lines));
            }
        }
    }
}
