package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DropoutTest {

    private static Tensor ones(int n) {
        float[] d = new float[n];
        Arrays.fill(d, 1f);
        return Tensor.of(d, n);
    }

    @Test
    void keepRateAndScaleMatchInvertedDropout() {
        double p = 0.3;
        int n = 1 << 20;
        Dropout d = new Dropout(p, 42);
        float[] y = d.forward(ones(n), true).data();
        long kept = 0;
        double sum = 0;
        for (float v : y) {
            assertTrue(v == 0f || v == 1f / (float) (1 - p), "value " + v);
            kept += v != 0f ? 1 : 0;
            sum += v;
        }
        double sigma = Math.sqrt(n * p * (1 - p));
        assertEquals(n * (1 - p), kept, 5 * sigma, "kept count");
        assertEquals(1.0, sum / n, 5 * sigma / n / (1 - p), "mean preserved");
        // consecutive calls use fresh, uncorrelated masks: agreement rate p^2 + (1-p)^2
        float[] y2 = d.forward(ones(n), true).data();
        long same = 0;
        for (int i = 0; i < n; i++) {
            same += (y[i] == 0) == (y2[i] == 0) ? 1 : 0;
        }
        double q = p * p + (1 - p) * (1 - p);
        assertEquals(n * q, same, 5 * Math.sqrt(n * q * (1 - q)));
    }

    @Test
    void deterministicForSeedAndThreadCount() {
        Tensor x = ones(100_000);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Dropout a = new Dropout(0.5, 7);
            float[] a1 = a.forward(x, true).data();
            float[] a2 = a.forward(x, true).data();
            Parallel.setThreads(2);
            Dropout b = new Dropout(0.5, 7);
            assertArrayEquals(a1, b.forward(x, true).data());
            assertArrayEquals(a2, b.forward(x, true).data());
            assertFalse(Arrays.equals(a1, a2));
            assertFalse(Arrays.equals(a1, new Dropout(0.5, 8).forward(x, true).data()));
            // replay from a saved position
            Dropout c = new Dropout(0.5, 7);
            c.setCallCount(1);
            assertArrayEquals(a2, c.forward(x, true).data());
            assertEquals(2, c.callCount());
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void evalIsIdentityAndDoesNotAdvanceTheStream() {
        Dropout d = new Dropout(0.9, 1);
        Tensor x = Tensor.of(new float[] {1, -2, 3, 4}, 2, 2);
        assertArrayEquals(x.data(), d.forward(x, false).data());
        assertArrayEquals(new float[] {5, 6, 7, 8}, d.backward(Tensor.of(new float[] {5, 6, 7, 8}, 2, 2)).data());
        assertEquals(0, d.callCount());
        assertArrayEquals(x.data(), new Dropout(0, 1).forward(x, true).data());
    }

    /**
     * d/dx sum(w * dropout(x)) by central differences through the layer itself, replaying the same
     * mask (call counter reset) for x + h and x - h; sums in double.
     */
    @Test
    void gradientMatchesFiniteDifferences() {
        int n = 3000;
        float[] xd = new float[n];
        float[] wd = new float[n];
        for (int i = 0; i < n; i++) {
            xd[i] = (float) Math.sin(i);
            wd[i] = (float) Math.cos(0.3 * i);
        }
        Dropout d = new Dropout(0.25, 11);
        d.forward(Tensor.of(xd, n), true);
        float[] dx = d.backward(Tensor.of(wd, n)).data();
        float h = 0.0625f; // a power of two: x +- h and the scaled outputs stay exact enough in float
        for (int i = 0; i < n; i += 7) {
            double[] l = new double[2];
            for (int side = 0; side < 2; side++) {
                float[] xs = xd.clone();
                xs[i] += side == 0 ? h : -h;
                d.setCallCount(0);
                float[] y = d.forward(Tensor.of(xs, n), true).data();
                for (int j = 0; j < n; j++) {
                    l[side] += (double) wd[j] * y[j];
                }
            }
            GradCheck.assertClose("dropout grad " + i, (l[0] - l[1]) / (2 * h), dx[i], 1e-5, 1e-5);
        }
    }

    @Test
    void rejectsBadProbability() {
        for (double p : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(p, 0));
            assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
        }
    }
}
