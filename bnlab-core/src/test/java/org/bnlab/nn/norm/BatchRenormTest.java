package org.bnlab.nn.norm;

import static org.bnlab.nn.norm.BatchNormTest.randn;
import static org.bnlab.nn.norm.BatchNormTest.shape;
import static org.bnlab.nn.norm.BatchNormTest.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bnlab.kernel.Parallel;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchRenormTest {

    /** rmax = 1, dmax = 0 (the paper's first 5k steps) is BatchNorm, bit for bit, in training and eval. */
    @ParameterizedTest(name = "[{0},{1},{2},{3}]")
    @CsvSource({"16,5,0,0", "8,300,0,0", "4,6,5,5", "3,2,1,1"})
    void plainLimitsEqualBatchNormBitForBit(int n, int c, int h, int w) {
        SplittableRandom r = new SplittableRandom(11);
        BatchNorm bn = BatchNorm.builder(c).momentum(0.2).build();
        BatchRenorm rn = BatchRenorm.builder(c).momentum(0.2).build(); // the paper's schedule: plain BN at step 0..4999
        float[] g = randn(r, c, 1, 0.3);
        float[] b = randn(r, c, 0, 1);
        System.arraycopy(g, 0, bn.weight(), 0, c);
        System.arraycopy(g, 0, rn.weight(), 0, c);
        System.arraycopy(b, 0, bn.bias(), 0, c);
        System.arraycopy(b, 0, rn.bias(), 0, c);
        boolean[] modes = {true, true, false, true};
        for (boolean training : modes) {
            Tensor x = Tensor.of(randn(r, n * c * Math.max(1, h * w), 2, 3), shape(n, c, h, w));
            Tensor dy = Tensor.of(randn(r, x.numel(), 0, 1), x.shape());
            assertArrayEquals(bn.forward(x, training).data(), rn.forward(x, training).data());
            assertArrayEquals(bn.backward(dy).data(), rn.backward(dy).data());
            assertArrayEquals(bn.weightGrad(), rn.weightGrad());
            assertArrayEquals(bn.biasGrad(), rn.biasGrad());
            assertArrayEquals(bn.runningMean(), rn.runningMean());
            assertArrayEquals(bn.runningVar(), rn.runningVar());
            assertEquals(bn.numBatchesTracked(), rn.numBatchesTracked());
        }
    }

    /** The analytic backward against central differences of the double formula with r and d held fixed (stop-gradient). */
    @ParameterizedTest(name = "[{0},{1},{2},{3}]")
    @CsvSource({"6,3,0,0", "3,2,2,3"})
    void backwardMatchesFiniteDifferencesWithRAndDConstant(int n, int c, int h, int w) {
        SplittableRandom r = new SplittableRandom(5);
        int s = h == 0 ? 1 : h * w;
        BatchRenorm rn = BatchRenorm.builder(c).clipping(1.3, 0.4).build();
        for (int k = 0; k < c; k++) {
            rn.weight()[k] = (float) (0.5 + r.nextDouble());
            rn.bias()[k] = (float) r.nextGaussian();
            rn.runningMean()[k] = (float) r.nextGaussian();
            rn.runningVar()[k] = (float) (0.2 + 3 * r.nextDouble());
        }
        float[] x = randn(r, n * c * s, 0.5, 1.5);
        float[] dy = randn(r, x.length, 0, 1);
        rn.forward(Tensor.of(x, shape(n, c, h, w)), true);
        Tensor dx = rn.backward(Tensor.of(dy, shape(n, c, h, w)));
        double[] rr = rn.lastR().clone();
        double[] dd = rn.lastD().clone();
        boolean clipped = false;
        for (int k = 0; k < c; k++) {
            clipped |= Math.abs(rr[k]) == 1.3 || Math.abs(rr[k] - 1 / 1.3) < 1e-15 || Math.abs(dd[k]) == 0.4;
        }
        assertTrue(clipped, "the case must exercise the clipping");

        double[] xd = toDouble(x);
        double[] g = toDouble(rn.weight());
        double[] b = toDouble(rn.bias());
        double[] wd = toDouble(dy);
        double hstep = 1e-6;
        for (int i = 0; i < x.length; i++) {
            double keep = xd[i];
            xd[i] = keep + hstep;
            double lp = BatchNormReference.loss(renorm(xd, n, c, s, g, b, rr, dd), wd);
            xd[i] = keep - hstep;
            double lm = BatchNormReference.loss(renorm(xd, n, c, s, g, b, rr, dd), wd);
            xd[i] = keep;
            double num = (lp - lm) / (2 * hstep);
            assertEquals(num, dx.data()[i], 1e-4 * Math.max(1, Math.abs(num)), "dx[" + i + "]");
        }
        for (int k = 0; k < c; k++) {
            double keep = g[k];
            g[k] = keep + hstep;
            double lp = BatchNormReference.loss(renorm(xd, n, c, s, g, b, rr, dd), wd);
            g[k] = keep - hstep;
            double lm = BatchNormReference.loss(renorm(xd, n, c, s, g, b, rr, dd), wd);
            g[k] = keep;
            double num = (lp - lm) / (2 * hstep);
            assertEquals(num, rn.weightGrad()[k], 1e-4 * Math.max(1, Math.abs(num)), "dweight[" + k + "]");
        }
    }

    /** y = gamma * ((x - mu_B)/sqrt(var_B + eps) * r + d) + beta in double, r and d given. */
    private static double[] renorm(double[] x, int n, int c, int s, double[] g, double[] b, double[] r, double[] d) {
        double[] ones = new double[c];
        java.util.Arrays.fill(ones, 1);
        double[] xhat = new BatchNormReference(x, n, c, s, ones, new double[c], 1e-5).y;
        for (int i = 0; i < xhat.length; i++) {
            int k = (i / s) % c;
            xhat[i] = g[k] * (xhat[i] * r[k] + d[k]) + b[k];
        }
        return xhat;
    }

    @Test
    void paperScheduleAndItsStepAreTheLayersTrainingCount() {
        RenormSchedule p = RenormSchedule.paper();
        assertEquals(1, p.rmax(0));
        assertEquals(0, p.dmax(4_999));
        assertEquals(1, p.rmax(5_000));
        assertEquals(2, p.rmax(22_500), 1e-12);
        assertEquals(2.5, p.dmax(15_000), 1e-12);
        assertEquals(3, p.rmax(40_000));
        assertEquals(5, p.dmax(25_000));
        assertEquals(3, p.rmax(1_000_000));
        assertEquals(Double.POSITIVE_INFINITY, RenormSchedule.constant(Double.POSITIVE_INFINITY, 0).rmax(0));

        // a schedule that opens at step 2: steps 0, 1 are plain BN, step 2 is not; eval steps do not count
        RenormSchedule opens = RenormSchedule.linear(2, 10, 2, 10, 2);
        BatchRenorm rn = BatchRenorm.builder(3).schedule(opens).build();
        SplittableRandom r = new SplittableRandom(2);
        Tensor x = Tensor.of(randn(r, 30, 4, 3), 10, 3);
        rn.forward(x, true);
        assertArrayEquals(new double[] {1, 1, 1}, rn.lastR());
        rn.forward(x, false);
        rn.forward(x, true);
        assertArrayEquals(new double[] {1, 1, 1}, rn.lastR());
        assertEquals(2, rn.numBatchesTracked());

        // the step is saved: a copy loaded from the state_dict continues the schedule
        StateDict sd = new StateDict();
        rn.stateDict("", sd);
        BatchRenorm resumed = BatchRenorm.builder(3).schedule(opens).build();
        resumed.loadStateDict("", sd);
        assertEquals(2, resumed.numBatchesTracked());
        resumed.forward(x, true);
        rn.forward(x, true);
        assertArrayEquals(rn.lastR(), resumed.lastR());
        boolean moved = false;
        for (double v : rn.lastR()) {
            moved |= v != 1;
        }
        assertTrue(moved, "r is no longer clipped to 1 at step 2");
        assertEquals(java.util.List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                java.util.List.copyOf(sd.entries().keySet()));
    }

    @Test
    void evalIsBatchNormEvalWithTheSameBuffers() {
        SplittableRandom r = new SplittableRandom(9);
        BatchRenorm rn = BatchRenorm.builder(4).clipping(3, 5).build();
        BatchNorm bn = BatchNorm.builder(4).build();
        for (int i = 0; i < 3; i++) {
            rn.forward(Tensor.of(randn(r, 40, 1, 2), 10, 4), true);
        }
        StateDict sd = new StateDict();
        rn.stateDict("", sd);
        bn.loadStateDict("", sd);
        Tensor x = Tensor.of(randn(r, 24, 1, 2), 6, 4);
        assertArrayEquals(bn.forward(x, false).data(), rn.forward(x, false).data());
    }

    @Test
    void sameResultForAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            float[][] out = new float[2][];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                SplittableRandom r = new SplittableRandom(4);
                BatchRenorm rn = BatchRenorm.builder(64).clipping(2, 1).build();
                Tensor x = Tensor.of(randn(r, 32 * 64 * 36, 1, 2), 32, 64, 6, 6);
                rn.forward(x, true);
                Tensor y = rn.forward(x, true);
                Tensor dx = rn.backward(Tensor.of(randn(r, x.numel(), 0, 1), x.shape()));
                out[t - 1] = concat(y.data(), dx.data(), rn.weightGrad(), rn.runningVar());
            }
            assertArrayEquals(out[0], out[1]);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    static float[] concat(float[]... parts) {
        int len = 0;
        for (float[] p : parts) {
            len += p.length;
        }
        float[] all = new float[len];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, o, p.length);
            o += p.length;
        }
        return all;
    }

    @Test
    void badInputsAndConfigurationGiveClearErrors() {
        assertMessage(() -> BatchRenorm.builder(0), "BatchRenorm: numFeatures must be >= 1");
        assertMessage(() -> BatchRenorm.builder(3).eps(0), "eps must be a finite number > 0");
        assertMessage(() -> BatchRenorm.builder(3).momentum(1.5), "momentum must be in [0, 1]");
        assertMessage(() -> BatchRenorm.builder(3).clipping(0.5, 1), "rmax must be >= 1");
        assertMessage(() -> BatchRenorm.builder(3).clipping(2, -1), "dmax >= 0");
        assertMessage(() -> BatchRenorm.builder(3).schedule(null), "schedule is null");
        assertMessage(() -> RenormSchedule.linear(-1, 2, 3, 1, 2), "steps must be >= 0");

        BatchRenorm rn = BatchRenorm.builder(3).build();
        assertMessage(() -> rn.forward(Tensor.of(new float[4], 2, 2, 1, 1), true), "BatchRenorm(3): input has 2 channels");
        assertMessage(() -> rn.forward(Tensor.of(new float[6], 2, 3, 1), true), "expected input of shape [N, C] or [N, C, H, W]");
        assertMessage(() -> rn.forward(Tensor.of(new float[3], 1, 3), true), "Expected more than 1 value per channel when training");
        assertMessage(() -> rn.forward(null, true), "input is null");
        assertMessage(() -> rn.backward(Tensor.of(new float[6], 2, 3)), "backward called before a successful forward");
        rn.forward(Tensor.of(new float[3], 1, 3), false); // one value is fine in eval

        BatchRenorm bad = BatchRenorm.builder(3).schedule(new RenormSchedule() {
            public double rmax(long step) {
                return 0.5;
            }

            public double dmax(long step) {
                return 0;
            }
        }).build();
        assertMessage(() -> bad.forward(Tensor.of(new float[6], 2, 3), true), "the schedule gave rmax 0.5");

        float[] x = {1, 2, 3, 4, Float.NaN, 6};
        rn.forward(Tensor.of(new float[] {1, 2, 3, 4, 5, 7}, 2, 3), true);
        float[] mean = rn.runningMean().clone();
        float[] var = rn.runningVar().clone();
        assertMessage(() -> rn.forward(Tensor.of(x, 2, 3), true), "has NaN or Inf in channel 1");
        assertArrayEquals(mean, rn.runningMean());
        assertArrayEquals(var, rn.runningVar());
        assertEquals(1, rn.numBatchesTracked());
        assertMessage(() -> rn.backward(Tensor.of(new float[6], 2, 3)), "backward called before a successful forward");

        Tensor empty = rn.forward(Tensor.of(new float[0], 0, 3), true);
        assertEquals(0, empty.numel());
        assertEquals(1, rn.numBatchesTracked());
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
