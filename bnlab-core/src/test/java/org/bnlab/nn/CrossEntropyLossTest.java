package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bnlab.kernel.Parallel;
import org.bnlab.optim.GoldenData;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class CrossEntropyLossTest {

    private static final GoldenData G = GoldenData.load("cross_entropy.txt");

    /** F.cross_entropy loss, gradient and argmax accuracy (criterion in GoldenData). */
    @Test
    void matchesTorch() {
        for (String name : List.of("ce_small", "ce_large", "ce_mnist")) {
            int[] shape = G.ints(name + ".shape");
            CrossEntropyLoss ce = new CrossEntropyLoss();
            float loss = ce.forward(Tensor.of(G.floats(name + ".logits"), shape), G.ints(name + ".labels"));
            GoldenData.assertClose(name + " loss", G.get(name + ".loss"), new float[] {loss});
            GoldenData.assertClose(name + " grad", G.get(name + ".grad"), ce.gradBuffer().data());
            assertEquals((int) G.scalar(name + ".correct"), ce.correct(), name + " correct");
        }
    }

    private static double referenceLoss(double[] x, int n, int c, int[] labels) {
        double total = 0;
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, x[r * c + j]);
            }
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp(x[r * c + j] - max);
            }
            total += max + Math.log(s) - x[r * c + labels[r]];
        }
        return total / n;
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int n = 7;
        int c = 5;
        float[] logits = new float[n * c];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * Math.sin(1.7 * i));
        }
        int[] labels = {0, 4, 2, 2, 1, 3, 0};
        CrossEntropyLoss ce = new CrossEntropyLoss();
        float loss = ce.forward(Tensor.of(logits, n, c), labels);
        double[] x = new double[logits.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = logits[i];
        }
        GradCheck.assertClose("loss", referenceLoss(x, n, c, labels), loss, 1e-6, 0);
        for (int i = 0; i < x.length; i++) {
            final int k = i;
            double fd = GradCheck.derivative(v -> {
                double[] xx = x.clone();
                xx[k] = v;
                return referenceLoss(xx, n, c, labels);
            }, x[i], 1e-5);
            GradCheck.assertClose("dlogits[" + i + "]", fd, ce.gradBuffer().data()[i], 1e-5, 1e-8);
        }
    }

    @Test
    void stableForHugeLogitsAndThreadIndependent() {
        int n = 3000;
        int c = 10;
        float[] logits = new float[n * c];
        int[] labels = new int[n];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (1e30 * Math.sin(0.37 * i));
        }
        for (int r = 0; r < n; r++) {
            labels[r] = r % c;
        }
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            CrossEntropyLoss a = new CrossEntropyLoss();
            float la = a.forward(Tensor.of(logits, n, c), labels);
            assertTrue(Float.isFinite(la) && la > 0, "loss " + la);
            Parallel.setThreads(2);
            CrossEntropyLoss b = new CrossEntropyLoss();
            assertEquals(la, b.forward(Tensor.of(logits, n, c), labels));
            assertArrayEquals(a.gradBuffer().data(), b.gradBuffer().data());
            assertEquals(a.correct(), b.correct());
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void clearErrors() {
        CrossEntropyLoss ce = new CrossEntropyLoss();
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ce.forward(x, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("out of range [0, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ce.forward(x, new int[] {-1, 0}));
        assertThrows(IllegalArgumentException.class, () -> ce.forward(x, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> ce.forward(Tensor.zeros(0, 3), new int[0]));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Tensor y = Tensor.of(new float[] {1, 2, 3, 4, bad, 6}, 2, 3);
            e = assertThrows(IllegalArgumentException.class, () -> ce.forward(y, new int[] {0, 1}));
            assertTrue(e.getMessage().contains("NaN/Inf"), e.getMessage());
        }
    }

    @Test
    void countsFirstMaximumAsPrediction() {
        CrossEntropyLoss ce = new CrossEntropyLoss();
        ce.forward(Tensor.of(new float[] {1, 5, 5, 0, 0, 0, 2, 1, 3}, 3, 3), new int[] {1, 0, 2});
        assertEquals(3, ce.correct());
        ce.forward(Tensor.of(new float[] {1, 5, 5, 0, 0, 0, 2, 1, 3}, 3, 3), new int[] {2, 1, 0});
        assertEquals(0, ce.correct());
        assertEquals(Math.log(3), ce.forward(Tensor.zeros(2, 3), new int[] {0, 2}), 1e-6);
    }
}
