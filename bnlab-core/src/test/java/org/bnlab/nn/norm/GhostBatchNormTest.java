package org.bnlab.nn.norm;

import static org.bnlab.nn.norm.BatchNormTest.randn;
import static org.bnlab.nn.norm.BatchNormTest.shape;
import static org.bnlab.nn.norm.BatchNormTest.toDouble;
import static org.bnlab.nn.norm.BatchRenormTest.assertMessage;
import static org.bnlab.nn.norm.BatchRenormTest.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GhostBatchNormTest {

    /** virtualBatchSize >= N: one ghost batch, BatchNorm bit for bit (training, eval, gradients, running stats). */
    @ParameterizedTest(name = "[{0},{1},{2},{3}] v={4}")
    @CsvSource({"16,5,0,0,16", "8,300,0,0,100", "4,6,5,5,4", "3,2,1,1,128"})
    void virtualSizeAtLeastNIsBatchNorm(int n, int c, int h, int w, int v) {
        SplittableRandom r = new SplittableRandom(13);
        BatchNorm bn = BatchNorm.builder(c).build();
        GhostBatchNorm gb = GhostBatchNorm.builder(c).virtualBatchSize(v).build();
        float[] g = randn(r, c, 1, 0.3);
        System.arraycopy(g, 0, bn.weight(), 0, c);
        System.arraycopy(g, 0, gb.weight(), 0, c);
        for (boolean training : new boolean[] {true, true, false, true}) {
            Tensor x = Tensor.of(randn(r, n * c * Math.max(1, h * w), -1, 2), shape(n, c, h, w));
            Tensor dy = Tensor.of(randn(r, x.numel(), 0, 1), x.shape());
            assertArrayEquals(bn.forward(x, training).data(), gb.forward(x, training).data());
            assertArrayEquals(bn.backward(dy).data(), gb.backward(dy).data());
            assertArrayEquals(bn.weightGrad(), gb.weightGrad());
            assertArrayEquals(bn.biasGrad(), gb.biasGrad());
            assertArrayEquals(bn.runningMean(), gb.runningMean());
            assertArrayEquals(bn.runningVar(), gb.runningVar());
            assertEquals(bn.numBatchesTracked(), gb.numBatchesTracked());
        }
    }

    /**
     * Each ghost batch, the last one smaller, is a BatchNorm of its own slice, and the running
     * statistics are BatchNorm's updated once per ghost batch in order.
     */
    @ParameterizedTest(name = "[{0},{1},{2},{3}] v={4}")
    @CsvSource({"10,3,0,0,4", "7,4,3,3,3", "9,5,0,0,3", "5,2,2,2,2"})
    void eachGhostIsABatchNormOfItsSlice(int n, int c, int h, int w, int v) {
        SplittableRandom r = new SplittableRandom(17);
        int s = Math.max(1, h * w);
        GhostBatchNorm gb = GhostBatchNorm.builder(c).virtualBatchSize(v).build();
        BatchNorm bn = BatchNorm.builder(c).build();
        Tensor x = Tensor.of(randn(r, n * c * s, 3, 2), shape(n, c, h, w));
        Tensor dy = Tensor.of(randn(r, x.numel(), 0, 1), x.shape());
        float[] y = gb.forward(x, true).data();
        float[] dx = gb.backward(dy).data();
        float[] dw = new float[c];
        float[] db = new float[c];
        for (int n0 = 0; n0 < n; n0 += v) {
            int ng = Math.min(v, n - n0);
            int from = n0 * c * s;
            int to = from + ng * c * s;
            Tensor xg = Tensor.of(Arrays.copyOfRange(x.data(), from, to), shape(ng, c, h, w));
            Tensor dyg = Tensor.of(Arrays.copyOfRange(dy.data(), from, to), xg.shape());
            bn.zeroGrad();
            assertArrayEquals(bn.forward(xg, true).data(), Arrays.copyOfRange(y, from, to), "y of ghost at " + n0);
            assertArrayEquals(bn.backward(dyg).data(), Arrays.copyOfRange(dx, from, to), "dx of ghost at " + n0);
            for (int k = 0; k < c; k++) {
                dw[k] += bn.weightGrad()[k];
                db[k] += bn.biasGrad()[k];
            }
        }
        assertArrayEquals(bn.runningMean(), gb.runningMean());
        assertArrayEquals(bn.runningVar(), gb.runningVar());
        assertEquals((n + v - 1) / v, gb.numBatchesTracked());
        for (int k = 0; k < c; k++) {
            assertEquals(dw[k], gb.weightGrad()[k], 1e-5 * Math.max(1, Math.abs(dw[k])));
            assertEquals(db[k], gb.biasGrad()[k], 1e-5 * Math.max(1, Math.abs(db[k])));
        }
    }

    /** Central differences of the double reference (BatchNorm per ghost) vs the analytic backward. */
    @Test
    void backwardMatchesFiniteDifferences() {
        int n = 8; // ghosts of 3, 3 and 2
        int c = 3;
        int v = 3;
        SplittableRandom r = new SplittableRandom(19);
        GhostBatchNorm gb = GhostBatchNorm.builder(c).virtualBatchSize(v).build();
        for (int k = 0; k < c; k++) {
            gb.weight()[k] = (float) (0.5 + r.nextDouble());
            gb.bias()[k] = (float) r.nextGaussian();
        }
        float[] x = randn(r, n * c, 0.5, 1.5);
        float[] dy = randn(r, x.length, 0, 1);
        gb.forward(Tensor.of(x, n, c), true);
        Tensor dx = gb.backward(Tensor.of(dy, n, c));
        double[] xd = toDouble(x);
        double[] g = toDouble(gb.weight());
        double[] b = toDouble(gb.bias());
        double[] wd = toDouble(dy);
        double hstep = 1e-6;
        for (int i = 0; i < x.length; i++) {
            double keep = xd[i];
            xd[i] = keep + hstep;
            double lp = BatchNormReference.loss(ghost(xd, n, c, v, g, b), wd);
            xd[i] = keep - hstep;
            double lm = BatchNormReference.loss(ghost(xd, n, c, v, g, b), wd);
            xd[i] = keep;
            double num = (lp - lm) / (2 * hstep);
            assertEquals(num, dx.data()[i], 1e-4 * Math.max(1, Math.abs(num)), "dx[" + i + "]");
        }
        for (int k = 0; k < c; k++) {
            double keep = g[k];
            g[k] = keep + hstep;
            double lp = BatchNormReference.loss(ghost(xd, n, c, v, g, b), wd);
            g[k] = keep - hstep;
            double lm = BatchNormReference.loss(ghost(xd, n, c, v, g, b), wd);
            g[k] = keep;
            double num = (lp - lm) / (2 * hstep);
            assertEquals(num, gb.weightGrad()[k], 1e-4 * Math.max(1, Math.abs(num)), "dweight[" + k + "]");
        }
    }

    /** Dense x (n, c) in ghost batches of v rows, each normalized by the double reference. */
    private static double[] ghost(double[] x, int n, int c, int v, double[] g, double[] b) {
        double[] y = new double[x.length];
        for (int n0 = 0; n0 < n; n0 += v) {
            int ng = Math.min(v, n - n0);
            double[] part = new BatchNormReference(Arrays.copyOfRange(x, n0 * c, (n0 + ng) * c), ng, c, 1, g, b, 1e-5).y;
            System.arraycopy(part, 0, y, n0 * c, part.length);
        }
        return y;
    }

    @Test
    void lastGhostOfOneValueIsRejectedAndOfOneSpatialSampleIsNot() {
        GhostBatchNorm gb = GhostBatchNorm.builder(2).virtualBatchSize(4).build();
        assertMessage(() -> gb.forward(Tensor.of(new float[18], 9, 2), true),
                "Expected more than 1 value per channel when training, got input size [9, 2] (ghost batch 2 of 3 holds 1 sample(s)");
        assertEquals(0, gb.numBatchesTracked());
        gb.forward(Tensor.of(new float[18], 9, 2), false); // eval: running statistics, no ghosts
        SplittableRandom r = new SplittableRandom(1);
        gb.forward(Tensor.of(randn(r, 9 * 2 * 4, 0, 1), 9, 2, 2, 2), true); // last ghost: 1 sample of 4 values
        assertEquals(3, gb.numBatchesTracked());
        assertMessage(() -> GhostBatchNorm.builder(2).virtualBatchSize(1).build().forward(Tensor.of(new float[8], 4, 2), true),
                "Expected more than 1 value per channel");
    }

    @Test
    void nanInALaterGhostLeavesEveryRunningStatistic() {
        GhostBatchNorm gb = GhostBatchNorm.builder(2).virtualBatchSize(2).build();
        float[] x = {1, 2, 3, 4, 5, 6, Float.POSITIVE_INFINITY, 8};
        assertMessage(() -> gb.forward(Tensor.of(x, 4, 2), true), "has NaN or Inf in channel 0");
        assertArrayEquals(new float[] {0, 0}, gb.runningMean());
        assertArrayEquals(new float[] {1, 1}, gb.runningVar());
        assertEquals(0, gb.numBatchesTracked());
        assertMessage(() -> gb.backward(Tensor.of(new float[8], 4, 2)), "backward called before a successful forward");
    }

    @Test
    void withoutRunningStatsEvalUsesGhostStatistics() {
        SplittableRandom r = new SplittableRandom(23);
        GhostBatchNorm gb = GhostBatchNorm.builder(3).virtualBatchSize(2).trackRunningStats(false).build();
        Tensor x = Tensor.of(randn(r, 18, 1, 2), 6, 3);
        assertArrayEquals(gb.forward(x, true).data(), gb.forward(x, false).data());
        assertEquals(null, gb.runningMean());
        StateDict sd = new StateDict();
        gb.stateDict("", sd);
        assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(sd.entries().keySet()));
    }

    @Test
    void stateDictRoundTripAndBatchNormNames() {
        SplittableRandom r = new SplittableRandom(29);
        GhostBatchNorm a = GhostBatchNorm.builder(3).virtualBatchSize(2).momentum(0.3).build();
        a.forward(Tensor.of(randn(r, 18, 1, 2), 6, 3), true);
        StateDict sd = new StateDict();
        a.stateDict("", sd);
        assertEquals(java.util.List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                java.util.List.copyOf(sd.entries().keySet()));
        BatchNorm bn = BatchNorm.builder(3).build();
        bn.loadStateDict("", sd); // a BatchNorm checkpoint, interchangeable
        assertEquals(3, bn.numBatchesTracked());
        GhostBatchNorm b = GhostBatchNorm.builder(3).virtualBatchSize(2).build();
        b.loadStateDict("", sd);
        Tensor x = Tensor.of(randn(r, 12, 1, 2), 4, 3);
        assertArrayEquals(a.forward(x, false).data(), b.forward(x, false).data());
        assertArrayEquals(bn.forward(x, false).data(), b.forward(x, false).data());
    }

    @Test
    void sameResultForAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            float[][] out = new float[2][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                SplittableRandom r = new SplittableRandom(4);
                GhostBatchNorm gb = GhostBatchNorm.builder(64).virtualBatchSize(5).build();
                Tensor x = Tensor.of(randn(r, 32 * 64 * 36, 1, 2), 32, 64, 6, 6);
                Tensor y = gb.forward(x, true);
                Tensor dx = gb.backward(Tensor.of(randn(r, x.numel(), 0, 1), x.shape()));
                out[t - 1] = concat(y.data(), dx.data(), gb.weightGrad(), gb.runningVar());
            }
            assertArrayEquals(out[0], out[1]);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void badInputsAndConfigurationGiveClearErrors() {
        assertMessage(() -> GhostBatchNorm.builder(3).virtualBatchSize(0), "GhostBatchNorm(3): virtualBatchSize must be >= 1, got 0");
        assertMessage(() -> GhostBatchNorm.builder(0), "GhostBatchNorm: numFeatures must be >= 1");
        assertMessage(() -> GhostBatchNorm.builder(3).eps(-1), "eps must be a finite number > 0");
        assertMessage(() -> GhostBatchNorm.builder(3).momentum(-0.1), "momentum must be in [0, 1]");
        GhostBatchNorm gb = GhostBatchNorm.builder(3).build();
        assertMessage(() -> gb.forward(Tensor.of(new float[8], 2, 4), true), "GhostBatchNorm(3): input has 4 channels");
        assertMessage(() -> gb.forward(Tensor.of(new float[6], 6), true), "expected input of shape [N, C] or [N, C, H, W]");
        gb.forward(Tensor.of(new float[6], 2, 3), true);
        assertMessage(() -> gb.backward(Tensor.of(new float[9], 3, 3)), "gradOutput has shape [3, 3] but the last forward's input had shape [2, 3]");
    }
}
