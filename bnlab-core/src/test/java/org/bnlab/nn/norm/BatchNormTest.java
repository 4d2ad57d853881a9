package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchNormTest {

    static float[] randn(SplittableRandom r, int len, double mean, double std) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            // Box-Muller is enough for test data
            double u = 1 - r.nextDouble();
            double v = r.nextDouble();
            a[i] = (float) (mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static int[] shape(int n, int c, int h, int w) {
        return h == 0 ? new int[] {n, c} : new int[] {n, c, h, w};
    }

    @ParameterizedTest(name = "[{0},{1},{2},{3}]")
    @CsvSource({"2,1,0,0", "7,3,0,0", "60,100,0,0", "33,70,0,0", "4,3,5,5", "8,16,7,7", "2,5,1,1", "3,2,2,3", "16,4,32,32"})
    void trainingForwardMatchesDoubleReference(int n, int c, int h, int w) {
        SplittableRandom r = new SplittableRandom(n * 31L + c);
        int s = h == 0 ? 1 : h * w;
        float[] x = randn(r, n * c * s, 2.0, 3.0);
        BatchNorm bn = BatchNorm.builder(c).build();
        for (int k = 0; k < c; k++) {
            bn.weight()[k] = (float) (0.5 + r.nextDouble());
            bn.bias()[k] = (float) r.nextGaussian();
        }
        Tensor y = bn.forward(Tensor.of(x, shape(n, c, h, w)), true);
        BatchNormReference ref = new BatchNormReference(toDouble(x), n, c, s, toDouble(bn.weight()), toDouble(bn.bias()), 1e-5);
        for (int i = 0; i < x.length; i++) {
            assertEquals(ref.y[i], y.data()[i], 2e-5 * Math.max(1, Math.abs(ref.y[i])), "y[" + i + "]");
        }
        // running stats: 0.9 * init + 0.1 * batch (unbiased variance)
        int m = n * s;
        for (int k = 0; k < c; k++) {
            assertEquals(0.1 * ref.mean[k], bn.runningMean()[k], 1e-5 * Math.max(1, Math.abs(ref.mean[k])));
            assertEquals(0.9 + 0.1 * ref.var[k] * m / (m - 1), bn.runningVar()[k], 1e-5 * Math.max(1, ref.var[k]));
        }
        assertEquals(1, bn.numBatchesTracked());
    }

    /** Central differences of the double reference vs the layer's analytic backward. */
    @ParameterizedTest(name = "[{0},{1},{2},{3}]")
    @CsvSource({"5,3,0,0", "3,2,2,3", "4,17,0,0", "2,3,4,4"})
    void backwardMatchesFiniteDifferences(int n, int c, int h, int w) {
        SplittableRandom r = new SplittableRandom(7);
        int s = h == 0 ? 1 : h * w;
        float[] x = randn(r, n * c * s, 0.5, 1.5);
        float[] dy = randn(r, x.length, 0, 1);
        BatchNorm bn = BatchNorm.builder(c).build();
        for (int k = 0; k < c; k++) {
            bn.weight()[k] = (float) (0.5 + r.nextDouble());
            bn.bias()[k] = (float) r.nextGaussian();
        }
        bn.forward(Tensor.of(x, shape(n, c, h, w)), true);
        Tensor dx = bn.backward(Tensor.of(dy, shape(n, c, h, w)));

        double[] xd = toDouble(x);
        double[] g = toDouble(bn.weight());
        double[] b = toDouble(bn.bias());
        double[] wd = toDouble(dy);
        double hstep = 1e-6;
        for (int i = 0; i < x.length; i++) {
            double keep = xd[i];
            xd[i] = keep + hstep;
            double lp = BatchNormReference.loss(new BatchNormReference(xd, n, c, s, g, b, 1e-5).y, wd);
            xd[i] = keep - hstep;
            double lm = BatchNormReference.loss(new BatchNormReference(xd, n, c, s, g, b, 1e-5).y, wd);
            xd[i] = keep;
            double num = (lp - lm) / (2 * hstep);
            assertEquals(num, dx.data()[i], 1e-4 * Math.max(1, Math.abs(num)), "dx[" + i + "]");
        }
        for (int k = 0; k < c; k++) {
            double keep = g[k];
            g[k] = keep + hstep;
            double lp = BatchNormReference.loss(new BatchNormReference(xd, n, c, s, g, b, 1e-5).y, wd);
            g[k] = keep - hstep;
            double lm = BatchNormReference.loss(new BatchNormReference(xd, n, c, s, g, b, 1e-5).y, wd);
            g[k] = keep;
            assertEquals((lp - lm) / (2 * hstep), bn.weightGrad()[k], 1e-4 * Math.max(1, Math.abs(lp - lm) / (2 * hstep)), "dweight");
            double db = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    db += dy[(i * c + k) * s + j];
                }
            }
            assertEquals(db, bn.biasGrad()[k], 1e-5 * Math.max(1, Math.abs(db)), "dbias");
        }
    }

    @Test
    void gradientsAccumulateAndZeroGradClears() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = randn(r, 40, 0, 1);
        float[] dy = randn(r, 40, 0, 1);
        BatchNorm bn = BatchNorm.builder(4).build();
        bn.forward(Tensor.of(x, 10, 4), true);
        bn.backward(Tensor.of(dy, 10, 4));
        float[] once = bn.weightGrad().clone();
        bn.forward(Tensor.of(x, 10, 4), true);
        bn.backward(Tensor.of(dy, 10, 4));
        for (int k = 0; k < 4; k++) {
            assertEquals(2 * once[k], bn.weightGrad()[k], 1e-6);
        }
        bn.zeroGrad();
        assertArrayEquals(new float[4], bn.weightGrad());
    }

    @Test
    void evalUsesRunningStatsAndBackwardTreatsThemAsConstants() {
        BatchNorm bn = BatchNorm.builder(2).build();
        bn.runningMean()[0] = 1f;
        bn.runningMean()[1] = -2f;
        bn.runningVar()[0] = 4f;
        bn.runningVar()[1] = 0.25f;
        bn.weight()[1] = 3f;
        bn.bias()[0] = 0.5f;
        float[] x = {3f, 0f, 1f, -2f};
        Tensor y = bn.forward(Tensor.of(x, 2, 2), false);
        assertEquals((3 - 1) / Math.sqrt(4 + 1e-5) + 0.5, y.data()[0], 1e-6);
        assertEquals(3 * (0 + 2) / Math.sqrt(0.25 + 1e-5), y.data()[1], 1e-5);
        float[] before = bn.runningMean().clone();
        Tensor dx = bn.backward(Tensor.of(new float[] {1f, 1f, 2f, 2f}, 2, 2));
        assertEquals(1 / Math.sqrt(4 + 1e-5), dx.data()[0], 1e-6);
        assertEquals(3 * 2 / Math.sqrt(0.25 + 1e-5), dx.data()[3], 1e-5);
        assertArrayEquals(before, bn.runningMean());
        assertEquals(0, bn.numBatchesTracked());
        // dweight = sum dy * xhat with the running statistics
        double xh0 = (3 - 1) / Math.sqrt(4 + 1e-5);
        double xh2 = (1 - 1) / Math.sqrt(4 + 1e-5);
        assertEquals(1 * xh0 + 2 * xh2, bn.weightGrad()[0], 1e-6);
    }

    @Test
    void evalAndBackToTrainingKeepsRunningStatsConsistent() {
        SplittableRandom r = new SplittableRandom(11);
        BatchNorm bn = BatchNorm.builder(3).build();
        Tensor x = Tensor.of(randn(r, 30, 1, 2), 10, 3);
        bn.forward(x, true);
        float[] rm = bn.runningMean().clone();
        float[] rv = bn.runningVar().clone();
        for (int i = 0; i < 3; i++) {
            bn.forward(x, false);
        }
        assertArrayEquals(rm, bn.runningMean());
        assertArrayEquals(rv, bn.runningVar());
        bn.forward(x, true);
        for (int k = 0; k < 3; k++) {
            // the second training step updates from the first step's values, not from anything eval did
            assertEquals(0.9 * rm[k] + 0.1 * (rm[k] / 0.1), bn.runningMean()[k], 1e-5);
        }
        assertEquals(2, bn.numBatchesTracked());
    }

    @Test
    void momentumConventionWeighsTheNewBatch() {
        BatchNorm bn = BatchNorm.builder(1).momentum(0.3).build();
        bn.forward(Tensor.of(new float[] {1, 3}, 2, 1), true); // mean 2, unbiased var 2
        assertEquals(0.3 * 2, bn.runningMean()[0], 1e-6);
        assertEquals(0.7 * 1 + 0.3 * 2, bn.runningVar()[0], 1e-6);
        BatchNorm frozen = BatchNorm.builder(1).momentum(0).build();
        frozen.forward(Tensor.of(new float[] {1, 3}, 2, 1), true);
        assertEquals(0f, frozen.runningMean()[0]);
        assertEquals(1f, frozen.runningVar()[0]);
    }

    @Test
    void cumulativeAverageIsThePlainMeanOfBatchStatistics() {
        BatchNorm bn = BatchNorm.builder(1).cumulativeAverage().build();
        bn.forward(Tensor.of(new float[] {1, 3}, 2, 1), true);   // mean 2, var 2
        bn.forward(Tensor.of(new float[] {4, 8}, 2, 1), true);   // mean 6, var 8
        bn.forward(Tensor.of(new float[] {0, 0, 3}, 3, 1), true); // mean 1, var 3
        assertEquals((2 + 6 + 1) / 3.0, bn.runningMean()[0], 1e-6);
        assertEquals((2 + 8 + 3) / 3.0, bn.runningVar()[0], 1e-5);
        assertTrue(Double.isNaN(bn.momentum()));
    }

    @Test
    void withoutRunningStatsEvalUsesBatchStatistics() {
        BatchNorm bn = BatchNorm.builder(2).trackRunningStats(false).build();
        assertEquals(null, bn.runningMean());
        Tensor x = Tensor.of(new float[] {1, 10, 3, 30}, 2, 2);
        Tensor yTrain = bn.forward(x, true);
        Tensor yEval = bn.forward(x, false);
        assertArrayEquals(yTrain.data(), yEval.data());
        assertEquals(-1.0, yEval.data()[0], 1e-4);
        assertEquals(0, bn.numBatchesTracked());
    }

    @Test
    void nonAffineHasNoParametersAndNormalizes() {
        BatchNorm bn = BatchNorm.builder(1).affine(false).build();
        assertEquals(null, bn.weight());
        assertTrue(bn.parameters().isEmpty());
        Tensor y = bn.forward(Tensor.of(new float[] {2, 4}, 2, 1), true);
        assertEquals(-1.0, y.data()[0], 1e-4);
        Tensor dx = bn.backward(Tensor.of(new float[] {1, 1}, 2, 1));
        assertEquals(0.0, dx.data()[0], 1e-6);
    }

    // ---------------------------------------------------------------- numerics (badly conditioned inputs users hit)

    @Test
    void largeMeanTinySpreadNormalizesToDoublePrecisionReference() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] sh : new int[][] {{256, 3}, {8, 2, 16, 16}}) {
            int n = sh[0];
            int c = sh[1];
            int s = sh.length == 4 ? sh[2] * sh[3] : 1;
            float[] x = randn(r, n * c * s, 1e4, 1e-3);
            BatchNorm bn = BatchNorm.builder(c).build();
            Tensor y = bn.forward(Tensor.of(x, sh), true);
            BatchNormReference ref = new BatchNormReference(toDouble(x), n, c, s, toDouble(bn.weight()), toDouble(bn.bias()), 1e-5);
            double worst = 0;
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(ref.y[i] - y.data()[i]));
            }
            assertTrue(worst <= 1e-3, "max |y - reference| = " + worst + " for shape " + java.util.Arrays.toString(sh));
            // the float32 quantization of x at 1e4 leaves a real spread: the output must not collapse
            assertTrue(ref.var[0] > 0);
        }
    }

    /**
     * The one-pass statistics are shifted by the first samples' mean; when the batch is far from
     * stationary (the first samples 1e3 standard deviations above the rest), the shift is far from
     * the mean ((mean - shift)^2 is 400 times the variance) and the layer must fall back to the
     * two-pass kernel instead of losing the variance's low digits to cancellation.
     */
    @Test
    void firstSampleFarFromTheMeanStillGivesTheReferenceStatistics() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] sh : new int[][] {{25600, 3}, {400, 2, 8, 8}}) {
            int n = sh[0];
            int c = sh[1];
            int s = sh.length == 4 ? sh[2] * sh[3] : 1;
            float[] x = randn(r, n * c * s, 0, 1e-3);
            int shifted = s == 1 ? 64 : 1; // the samples the shift is taken from
            for (int i = 0; i < shifted * c * s; i++) {
                x[i] += 1f;
            }
            BatchNorm bn = BatchNorm.builder(c).momentum(1.0).build();
            Tensor y = bn.forward(Tensor.of(x, sh), true);
            BatchNormReference ref = new BatchNormReference(toDouble(x), n, c, s, toDouble(bn.weight()), toDouble(bn.bias()), 1e-5);
            long m = (long) n * s;
            for (int k = 0; k < c; k++) {
                assertEquals(ref.mean[k], bn.runningMean()[k], 1e-6 * Math.abs(ref.mean[k]), "mean " + k);
                assertEquals(ref.var[k] * m / (m - 1), bn.runningVar()[k], 1e-6 * ref.var[k], "var " + k);
            }
            for (int i = 0; i < x.length; i++) {
                assertEquals(ref.y[i], y.data()[i], 1e-4 * Math.max(1, Math.abs(ref.y[i])), "y[" + i + "]");
            }
        }
    }

    @Test
    void constantChannelGivesExactlyBetaAndFiniteGradients() {
        for (int[] sh : new int[][] {{64, 2}, {4, 2, 8, 8}, {3, 2, 1, 3}}) {
            int len = (int) Tensor.numel(sh);
            float[] x = new float[len];
            java.util.Arrays.fill(x, 0.1f + 1234.5f);
            BatchNorm bn = BatchNorm.builder(2).build();
            bn.bias()[0] = 0.25f;
            bn.bias()[1] = -7f;
            bn.weight()[1] = 3f;
            Tensor y = bn.forward(Tensor.of(x, sh), true);
            int s = len / sh[0] / 2;
            for (int i = 0; i < len; i++) {
                int ch = (i / s) % 2;
                assertEquals(bn.bias()[ch], y.data()[i], 0.0, "y[" + i + "] must be exactly beta");
            }
            float[] dy = new float[len];
            for (int i = 0; i < len; i++) {
                dy[i] = (i % 7) - 3f;
            }
            Tensor dx = bn.backward(Tensor.of(dy, sh));
            for (float v : dx.data()) {
                assertTrue(Float.isFinite(v));
            }
            assertTrue(Float.isFinite(bn.weightGrad()[0]));
        }
    }

    @Test
    void valuesNear1e30DoNotOverflow() {
        for (int[] sh : new int[][] {{16, 2}, {2, 2, 8, 8}}) {
            int len = (int) Tensor.numel(sh);
            float[] x = new float[len];
            for (int i = 0; i < len; i++) {
                x[i] = (i % 2 == 0 ? 1f : -1f) * (1e30f + i * 1e28f);
            }
            BatchNorm bn = BatchNorm.builder(2).build();
            Tensor y = bn.forward(Tensor.of(x, sh), true);
            BatchNormReference ref = new BatchNormReference(toDouble(x), sh[0], 2, len / sh[0] / 2, new double[] {1, 1}, new double[] {0, 0}, 1e-5);
            for (int i = 0; i < len; i++) {
                assertTrue(Float.isFinite(y.data()[i]));
                assertEquals(ref.y[i], y.data()[i], 1e-5 * Math.max(1, Math.abs(ref.y[i])));
            }
            Tensor dx = bn.backward(Tensor.of(x.clone(), sh));
            for (float v : dx.data()) {
                assertTrue(Float.isFinite(v), "dx finite");
            }
            for (float v : bn.runningMean()) {
                assertTrue(Float.isFinite(v));
            }
            assertEquals(Float.MAX_VALUE, bn.runningVar()[0]); // variance 1e60 saturates the float32 buffer
        }
    }

    @Test
    void nanOrInfInTrainingBatchIsRejectedAndRunningStatsUntouched() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int[] sh : new int[][] {{8, 3}, {2, 3, 4, 4}}) {
                BatchNorm bn = BatchNorm.builder(3).build();
                SplittableRandom r = new SplittableRandom(1);
                bn.forward(Tensor.of(randn(r, (int) Tensor.numel(sh), 1, 1), sh), true);
                float[] rm = bn.runningMean().clone();
                float[] rv = bn.runningVar().clone();
                float[] x = randn(r, (int) Tensor.numel(sh), 1, 1);
                x[x.length - 1] = bad;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.of(x, sh), true));
                assertTrue(e.getMessage().contains("NaN or Inf in channel 2"), e.getMessage());
                assertArrayEquals(rm, bn.runningMean());
                assertArrayEquals(rv, bn.runningVar());
                assertEquals(1, bn.numBatchesTracked());
                assertThrows(IllegalArgumentException.class, () -> bn.backward(Tensor.of(x, sh)), "no backward through a rejected batch");
            }
        }
    }

    @Test
    void emptyBatchGivesEmptyOutputAndKeepsStats() {
        BatchNorm bn = BatchNorm.builder(3).build();
        Tensor y = bn.forward(Tensor.of(new float[0], 0, 3), true);
        assertEquals(0, y.numel());
        assertArrayEquals(new int[] {0, 3}, y.shape());
        assertArrayEquals(new float[3], bn.runningMean());
        assertEquals(0, bn.numBatchesTracked());
        Tensor y4 = bn.forward(Tensor.of(new float[0], 0, 3, 4, 4), false);
        assertArrayEquals(new int[] {0, 3, 4, 4}, y4.shape());
        assertEquals(0, bn.backward(Tensor.of(new float[0], 0, 3, 4, 4)).numel());
    }

    // ---------------------------------------------------------------- errors

    @Test
    void badConfigurationIsRejectedAtConstruction() {
        assertMessage(() -> BatchNorm.builder(0), "numFeatures must be >= 1");
        assertMessage(() -> BatchNorm.builder(4).eps(0), "eps must be a finite number > 0");
        assertMessage(() -> BatchNorm.builder(4).eps(-1e-5), "eps must be");
        assertMessage(() -> BatchNorm.builder(4).eps(Double.NaN), "eps must be");
        assertMessage(() -> BatchNorm.builder(4).momentum(1.5), "momentum must be in [0, 1]");
        assertMessage(() -> BatchNorm.builder(4).momentum(-0.1), "momentum must be in [0, 1]");
        assertMessage(() -> BatchNorm.builder(4).momentum(Double.NaN), "momentum must be in [0, 1]");
    }

    @Test
    void badInputsGiveClearErrorsNamingTheLayer() {
        BatchNorm bn = BatchNorm.builder(4).build();
        assertMessage(() -> bn.forward(Tensor.of(new float[8], 8), true), "BatchNorm(4): expected input of shape [N, C] or [N, C, H, W], got [8] (rank 1)");
        assertMessage(() -> bn.forward(Tensor.of(new float[24], 2, 3, 4), true), "rank 3");
        assertMessage(() -> bn.forward(Tensor.of(new float[6], 2, 3), true), "BatchNorm(4): input has 3 channels");
        assertMessage(() -> bn.forward(Tensor.of(new float[4], 1, 4), true), "Expected more than 1 value per channel when training, got input size [1, 4]");
        assertMessage(() -> bn.forward(Tensor.of(new float[4], 1, 4, 1, 1), true), "Expected more than 1 value per channel");
        bn.forward(Tensor.of(new float[4], 1, 4), false); // one value is fine in eval
        BatchNorm fresh = BatchNorm.builder(4).build();
        assertMessage(() -> fresh.backward(Tensor.of(new float[8], 2, 4)), "BatchNorm(4): backward called before a successful forward");
        fresh.forward(Tensor.of(new float[8], 2, 4), true);
        assertMessage(() -> fresh.backward(Tensor.of(new float[12], 3, 4)), "gradOutput has shape [3, 4] but the last forward's input had shape [2, 4]");
        assertMessage(() -> fresh.forward(null, true), "input is null");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }

    @Test
    void forwardReturnsFreshTensorsAndBufferedReuses() {
        BatchNorm bn = BatchNorm.builder(2).build();
        Tensor x = Tensor.of(new float[] {1, 2, 3, 5}, 2, 2);
        Tensor a = bn.forward(x, true);
        Tensor b = bn.forward(x, false);
        assertNotSame(a.data(), b.data());
        Tensor c = bn.forwardBuffered(x, true);
        Tensor d = bn.forwardBuffered(x, true);
        assertTrue(c == d);
    }
}
