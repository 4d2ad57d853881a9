package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * BatchNormOp against the formulas of its Javadoc, computed here in double, and its statelessness:
 * what a forward leaves for its backward is in the Saved passed to it, so two calls interleaved on
 * two Saved objects give what they give one after the other.
 */
class BatchNormOpTest {
    private static final int N = 6;
    private static final int C = 3;
    private static final int S = 5;
    private static final double EPS = 1e-5;

    private static float[] randn(SplittableRandom r, int len, double mean, double std) {
        return BatchNormTest.randn(r, len, mean, std);
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void trainingForwardAndBackwardFollowTheDocumentedFormulas() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = randn(r, N * C * S, 2, 3);
        float[] dy = randn(r, N * C * S, 0, 1);
        float[] gamma = randn(r, C, 1, 0.5);
        float[] beta = randn(r, C, 0, 1);
        BatchNormOp.Saved ctx = new BatchNormOp.Saved(C);
        float[] y = new float[x.length];
        assertEquals(-1, BatchNormOp.forwardTrain(ctx, x, y, 0, N, S, gamma, beta, EPS));
        BatchNormReference ref = new BatchNormReference(toDouble(x), N, C, S, toDouble(gamma), toDouble(beta), EPS);
        for (int i = 0; i < y.length; i++) {
            assertEquals(ref.y[i], y[i], 1e-5 * Math.max(1, Math.abs(ref.y[i])), "y[" + i + "]");
        }

        float[] dx = new float[x.length];
        float[] dGamma = new float[C];
        float[] dBeta = new float[C];
        BatchNormOp.backward(ctx, dy, dx);
        BatchNormOp.accumulateAffineGrads(ctx, dGamma, dBeta);
        // dx = (gamma * invStd / m) * (m * dy - sum(dy) - xhat * sum(dy * xhat)); dgamma = sum(dy * xhat), dbeta = sum(dy)
        double m = N * S;
        for (int c = 0; c < C; c++) {
            double invStd = 1 / Math.sqrt(ref.var[c] + EPS);
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < S; j++) {
                    int k = (i * C + c) * S + j;
                    sumDy += dy[k];
                    sumDyXhat += dy[k] * (x[k] - ref.mean[c]) * invStd;
                }
            }
            assertEquals(sumDy, dBeta[c], 1e-5 * Math.max(1, Math.abs(sumDy)), "dbeta[" + c + "]");
            assertEquals(sumDyXhat, dGamma[c], 1e-5 * Math.max(1, Math.abs(sumDyXhat)), "dgamma[" + c + "]");
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < S; j++) {
                    int k = (i * C + c) * S + j;
                    double xhat = (x[k] - ref.mean[c]) * invStd;
                    double expected = gamma[c] * invStd / m * (m * dy[k] - sumDy - xhat * sumDyXhat);
                    assertEquals(expected, dx[k], 1e-5 * Math.max(1, Math.abs(expected)), "dx[" + k + "]");
                }
            }
        }
    }

    @Test
    void evalForwardUsesTheRunningStatisticsAndItsBackwardTreatsThemAsConstants() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = randn(r, N * C * S, 1, 2);
        float[] dy = randn(r, N * C * S, 0, 1);
        float[] runningMean = {0.5f, -1f, 2f};
        float[] runningVar = {4f, 0.25f, 1f};
        float[] gamma = {2f, -1f, 0.5f};
        BatchNormOp.Saved ctx = new BatchNormOp.Saved(C);
        float[] y = new float[x.length];
        BatchNormOp.forwardEval(ctx, x, y, 0, N, S, runningMean, runningVar, gamma, null, EPS);
        float[] dx = new float[x.length];
        BatchNormOp.backward(ctx, dy, dx);
        for (int k = 0; k < x.length; k++) {
            int c = (k / S) % C;
            double scale = gamma[c] / Math.sqrt(runningVar[c] + EPS);
            assertEquals((x[k] - runningMean[c]) * scale, y[k], 1e-5 * Math.max(1, Math.abs(y[k])), "y[" + k + "]");
            assertEquals(dy[k] * scale, dx[k], 1e-6 * Math.max(1, Math.abs(dx[k])), "dx[" + k + "]");
        }
    }

    @Test
    void evalForwardFoldedStaysWithinOneRoundingOfTheMeanTermWhenTheMeanIsLarge() {
        // |mean| / std = 1000: the folded y = x * a + (beta - mean * a) differs from (x - mean) * a + beta
        // by about one rounding of mean * a (here 1000 * 2^-24 = 6e-5), the size of x's own rounding
        SplittableRandom r = new SplittableRandom(5);
        float[] x = randn(r, N * C * S, 1000, 1);
        float[] runningMean = {1000f, 999.5f, 1000.25f};
        float[] runningVar = {1f, 1f, 1f};
        float[] gamma = {1f, 2f, -0.5f};
        float[] beta = {0.5f, 0f, -1f};
        BatchNormOp.Saved ctx = new BatchNormOp.Saved(C);
        float[] y = new float[x.length];
        BatchNormOp.forwardEval(ctx, x, y, 0, N, S, runningMean, runningVar, gamma, beta, EPS);
        for (int k = 0; k < x.length; k++) {
            int c = (k / S) % C;
            double a = gamma[c] / Math.sqrt(runningVar[c] + EPS);
            double exact = ((double) x[k] - runningMean[c]) * a + beta[c];
            double bound = 2 * Math.ulp((float) (runningMean[c] * Math.abs(a))) + 2 * Math.ulp((float) Math.abs(exact));
            assertEquals(exact, y[k], bound, "y[" + k + "]");
        }
    }

    @Test
    void evalForwardFallsBackToTheUnfoldedFormWhereTheFoldedBiasOverflows() {
        // mean * alpha = 3e38 * 100 overflows float; (x - mean) * alpha + beta does not
        float[] x = new float[N * C * S];
        java.util.Arrays.fill(x, 3e38f);
        float[] runningMean = {3e38f, 3e38f, 3e38f};
        float[] runningVar = {1e-4f, 1e-4f, 1e-4f};
        float[] beta = {0.5f, -2f, 0f};
        BatchNormOp.Saved ctx = new BatchNormOp.Saved(C);
        float[] y = new float[x.length];
        BatchNormOp.forwardEval(ctx, x, y, 0, N, S, runningMean, runningVar, null, beta, 0);
        for (int k = 0; k < x.length; k++) {
            assertEquals(beta[(k / S) % C], y[k], 0f, "y[" + k + "]");
        }
    }

    @Test
    void runningUpdateWeighsTheNewBatchAndUnbiasesItsVariance() {
        float[] runningMean = {0f, 1f};
        float[] runningVar = {1f, 1f};
        // m = 4 values: unbiased var = var * 4/3; the second channel's variance saturates at Float.MAX_VALUE
        BatchNormOp.updateRunningStats(runningMean, runningVar, 0.1, new double[] {2, 1}, new double[] {3, 1e300}, 4);
        assertEquals((float) (0.9 * 0 + 0.1 * 2), runningMean[0]);
        assertEquals((float) (0.9 * 1 + 0.1 * 3 * 4.0 / 3), runningVar[0]);
        assertEquals(1f, runningMean[1]);
        assertEquals(Float.MAX_VALUE, runningVar[1]);
    }

    @Test
    void twoCallsInterleavedOnTwoSavedGiveTheSequentialResults() {
        SplittableRandom r = new SplittableRandom(5);
        float[] xa = randn(r, N * C * S, 3, 1);
        float[] xb = randn(r, N * C * S, -7, 0.1);
        float[] dya = randn(r, N * C * S, 0, 1);
        float[] dyb = randn(r, N * C * S, 0, 2);
        float[] gamma = randn(r, C, 1, 0.5);
        float[] beta = randn(r, C, 0, 1);

        float[][] sequential = new float[4][];
        BatchNormOp.Saved a = new BatchNormOp.Saved(C);
        sequential[0] = new float[xa.length];
        sequential[1] = new float[xa.length];
        BatchNormOp.forwardTrain(a, xa, sequential[0], 0, N, S, gamma, beta, EPS);
        BatchNormOp.backward(a, dya, sequential[1]);
        BatchNormOp.Saved b = new BatchNormOp.Saved(C);
        sequential[2] = new float[xb.length];
        sequential[3] = new float[xb.length];
        BatchNormOp.forwardTrain(b, xb, sequential[2], 0, N, S, gamma, beta, EPS);
        BatchNormOp.backward(b, dyb, sequential[3]);

        float[][] interleaved = new float[4][xa.length];
        BatchNormOp.Saved a2 = new BatchNormOp.Saved(C);
        BatchNormOp.Saved b2 = new BatchNormOp.Saved(C);
        BatchNormOp.forwardTrain(a2, xa, interleaved[0], 0, N, S, gamma, beta, EPS);
        BatchNormOp.forwardTrain(b2, xb, interleaved[2], 0, N, S, gamma, beta, EPS);
        BatchNormOp.backward(a2, dya, interleaved[1]);
        BatchNormOp.backward(b2, dyb, interleaved[3]);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(sequential[i], interleaved[i], "array " + i + " (y a, dx a, y b, dx b)");
        }
    }
}
