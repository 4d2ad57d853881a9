package org.bnlab.nn.norm;

import static org.bnlab.nn.norm.BatchNormTest.randn;
import static org.bnlab.nn.norm.BatchRenormTest.assertMessage;
import static org.bnlab.nn.norm.FrozenBatchNormTest.copy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Linear;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class PreciseBNTest {

    /** Statistics of x per channel: mean and unbiased variance, in double. */
    private static double[][] stats(float[] x, int n, int c, int s) {
        double[][] out = new double[2][c];
        int m = n * s;
        for (int k = 0; k < c; k++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    sum += x[(i * c + k) * s + j];
                }
            }
            double mu = sum / m;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    double d = x[(i * c + k) * s + j] - mu;
                    sq += d * d;
                }
            }
            out[0][k] = mu;
            out[1][k] = sq / (m - 1);
        }
        return out;
    }

    private static void assertStats(double[] expected, float[] actual, String what) {
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5 * Math.max(1, Math.abs(expected[k])), what + "[" + k + "]");
        }
    }

    /** K copies of one batch: every BN layer gets exactly that batch's statistics (its input's mean and unbiased var). */
    @Test
    void equalBatchesGiveThatBatchsStatistics() {
        SplittableRandom r = new SplittableRandom(53);
        BatchNorm bn = BatchNorm.builder(3).momentum(0.5).build();
        BatchRenorm rn = BatchRenorm.builder(3).clipping(2, 1).build();
        Sequential model = new Sequential(bn, new ReLU(), rn);
        Tensor x = Tensor.of(randn(r, 4 * 3 * 9, 2, 3), 4, 3, 3, 3);
        for (int i = 0; i < 3; i++) { // some history: moving averages far from the batch's statistics
            model.forward(Tensor.of(randn(r, x.numel(), -5, 1), x.shape()), true);
        }
        // rn's input is relu(bn(x)) with bn in training mode; bn has weight 1 and bias 0, as a fresh BatchNorm
        Tensor h = new ReLU().forward(BatchNorm.builder(3).build().forward(x, true), false);
        assertEquals(2, PreciseBN.update(model, Collections.nCopies(5, x), 5));
        double[][] sx = stats(x.data(), 4, 3, 9);
        assertStats(sx[0], bn.runningMean(), "bn mean");
        assertStats(sx[1], bn.runningVar(), "bn var");
        double[][] sh = stats(h.data(), 4, 3, 9);
        assertStats(sh[0], rn.runningMean(), "renorm mean");
        assertStats(sh[1], rn.runningVar(), "renorm var");
        assertEquals(3, bn.numBatchesTracked(), "numBatchesTracked is kept");
        assertEquals(3, rn.numBatchesTracked(), "the renorm schedule step is kept");
    }

    /** Ghost BN: each ghost batch is one batch of the average. */
    @Test
    void ghostBatchesAreAveragedOneByOne() {
        SplittableRandom r = new SplittableRandom(59);
        GhostBatchNorm gb = GhostBatchNorm.builder(2).virtualBatchSize(3).build();
        Tensor x = Tensor.of(randn(r, 8 * 2, 1, 2), 8, 2); // ghosts of 3, 3, 2
        PreciseBN.update(gb, List.of(x, x), 2);
        double[] mean = new double[2];
        double[] var = new double[2];
        for (int n0 = 0; n0 < 8; n0 += 3) {
            int ng = Math.min(3, 8 - n0);
            double[][] s = stats(Arrays.copyOfRange(x.data(), n0 * 2, (n0 + ng) * 2), ng, 2, 1);
            for (int k = 0; k < 2; k++) {
                mean[k] += s[0][k] / 3;
                var[k] += s[1][k] / 3;
            }
        }
        assertStats(mean, gb.runningMean(), "ghost mean");
        assertStats(var, gb.runningVar(), "ghost var");
    }

    /** A true average: batch statistics weigh equally, unlike the moving average. */
    @Test
    void differentBatchesGiveTheAverageOfTheirStatistics() {
        SplittableRandom r = new SplittableRandom(61);
        BatchNorm bn = BatchNorm.builder(2).build();
        List<Tensor> batches = new ArrayList<>();
        double[] mean = new double[2];
        double[] var = new double[2];
        for (int k = 0; k < 4; k++) {
            Tensor x = Tensor.of(randn(r, 10 * 2, k, 1 + k), 10, 2);
            batches.add(x);
            double[][] s = stats(x.data(), 10, 2, 1);
            for (int c = 0; c < 2; c++) {
                mean[c] += s[0][c] / 4;
                var[c] += s[1][c] / 4;
            }
        }
        batches.add(Tensor.of(new float[] {Float.NaN, 0}, 1, 2)); // past K: never read
        Iterator<Tensor> it = batches.iterator();
        PreciseBN.update(bn, it, 4);
        assertStats(mean, bn.runningMean(), "mean");
        assertStats(var, bn.runningVar(), "var");
        assertTrue(it.hasNext(), "exactly K batches are read");
    }

    /** Parameters, other layers' state (Dropout's stream, Linear) and frozen layers are untouched. */
    @Test
    void nothingElseChanges() {
        SplittableRandom r = new SplittableRandom(67);
        Dropout drop = new Dropout(0.5, 3);
        drop.forward(Tensor.of(new float[12], 2, 6), true);
        Linear lin = new Linear(6, 6, true, 9);
        BatchNorm bn = BatchNorm.builder(6).build();
        FrozenBatchNorm frozen = FrozenBatchNorm.builder(6).build();
        Sequential model = new Sequential(lin, drop, bn, frozen);
        StateDict before = copy(model);
        long calls = drop.callCount();
        PreciseBN.update(model, List.of(Tensor.of(randn(r, 60, 0, 1), 10, 6)), 1);
        StateDict after = copy(model);
        for (String key : before.entries().keySet()) {
            StateDict.Entry a = before.require(key);
            StateDict.Entry b = after.require(key);
            boolean changes = key.equals("2.running_mean") || key.equals("2.running_var");
            if (a.f32() != null) {
                assertEquals(!changes, Arrays.equals(a.f32(), b.f32()), key);
            } else {
                assertArrayEquals(a.i64(), b.i64(), key);
            }
        }
        assertEquals(calls, drop.callCount(), "Dropout ran in eval mode: its random stream did not advance");
    }

    @Test
    void failuresLeaveTheRunningStatisticsAsTheyWere() {
        SplittableRandom r = new SplittableRandom(71);
        BatchNorm bn = BatchNorm.builder(2).build();
        bn.forward(Tensor.of(randn(r, 20, 3, 1), 10, 2), true);
        float[] mean = bn.runningMean().clone();
        float[] var = bn.runningVar().clone();
        Tensor good = Tensor.of(randn(r, 20, 0, 1), 10, 2);
        assertMessage(() -> PreciseBN.update(bn, List.of(good, good), 3), "the batches ran out after 2 of 3; the running statistics are unchanged");
        assertMessage(() -> PreciseBN.update(bn, List.of(good, Tensor.of(new float[] {1, Float.NaN, 2, 3}, 2, 2)), 2), "has NaN or Inf in channel 1");
        assertMessage(() -> PreciseBN.update(bn, List.of(good, Tensor.of(new float[6], 2, 3)), 2), "input has 3 channels");
        assertMessage(() -> PreciseBN.update(bn, List.of(good), 0), "numBatches must be >= 1");
        assertMessage(() -> PreciseBN.update(bn, List.of(Tensor.of(new float[0], 0, 2)), 1), "no non-empty batch reached");
        assertMessage(() -> PreciseBN.update(null, List.of(good), 1), "must not be null");
        assertArrayEquals(mean, bn.runningMean());
        assertArrayEquals(var, bn.runningVar());
        assertEquals(1, bn.numBatchesTracked());
    }

    @Test
    void modelWithoutBatchNormReadsNothing() {
        Iterator<Tensor> it = List.of(Tensor.of(new float[4], 2, 2)).iterator();
        assertEquals(0, PreciseBN.update(new Sequential(new ReLU()), it, 1));
        assertEquals(0, PreciseBN.update(BatchNorm.builder(2).trackRunningStats(false).build(), it, 1));
        assertTrue(it.hasNext(), "no batch was read");
    }
}
