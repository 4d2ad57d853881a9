package org.bnlab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.data.Split;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.junit.jupiter.api.Test;

/** The folding experiment's measurement on models whose BN statistics are far from the identity. */
class FoldingTest {

    /** Random data in [0, 1), labels from 0 to 9. */
    private static Split data(int n, int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(10);
        }
        return Split.of(x, y, c, h, w);
    }

    /** Running statistics from a few training-mode passes, and non-trivial gamma/beta. */
    private static void giveStatistics(Sequential model, ModelSpec spec, Split s) {
        int[] shape = Folding.sampleShape(spec);
        int[] batch = new int[shape.length + 1];
        batch[0] = s.size();
        System.arraycopy(shape, 0, batch, 1, shape.length);
        for (int i = 0; i < 20; i++) {
            model.forwardBuffered(Tensor.of(s.images().clone(), batch), true);
        }
        SplittableRandom r = new SplittableRandom(3);
        for (org.bnlab.nn.Module m : model.modules()) {
            if (m instanceof BatchNorm bn) {
                for (org.bnlab.nn.Parameter p : bn.parameters()) {
                    for (int i = 0; i < p.data().length; i++) {
                        p.data()[i] = (float) (p.name().equals("weight") ? 0.5 + r.nextDouble() : r.nextDouble() - 0.5);
                    }
                }
            }
        }
    }

    @Test
    void foldedAndCompiledMlpAgreeWithEvalMode() {
        ModelSpec spec = ModelSpec.paperMlp("batch", 1.0);
        Sequential model = Models.build(spec, 5);
        Split s = data(64, 1, 28, 28, 1);
        giveStatistics(model, spec, s);
        Folding.Measured m = Folding.measure(model, spec, data(300, 1, 28, 28, 2));
        assertEquals(3, m.bnBefore(), "the paper MLP has a BN per hidden layer and none on the output");
        assertEquals(0, m.bnAfter());
        assertEquals(m.accEval(), m.accFolded());
        assertEquals(m.accEval(), m.accCompiled());
        assertTrue(m.holds(), "agreement " + m.agreeFolded() + "/" + m.agreeCompiled() + ", diff " + m.diffFolded() + "/" + m.diffCompiled());
    }

    @Test
    void foldedAndCompiledCnnAgreeWithEvalMode() {
        ModelSpec spec = new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", "batch", "default", 0, 0);
        Sequential model = Models.build(spec, 5);
        giveStatistics(model, spec, data(16, 1, 28, 28, 1));
        Folding.Measured m = Folding.measure(model, spec, data(40, 1, 28, 28, 2));
        assertTrue(m.bnBefore() >= 2);
        assertEquals(0, m.bnAfter());
        assertTrue(m.holds(), "agreement " + m.agreeFolded() + "/" + m.agreeCompiled() + ", diff " + m.diffFolded() + "/" + m.diffCompiled());
    }

    @Test
    void aBrokenFoldIsCaught() {
        // the rule must be able to fail: logits that differ by more than the tolerance do not hold
        Folding.Measured bad = new Folding.Measured(0.9, 0.9, 0.9, 1, 1, 0, 10 * Folding.LOGIT_TOLERANCE, 4, 0, false);
        assertTrue(!bad.holds());
        float[] a = {1, 2, 0, 3};
        float[] b = {2, 1, 0, 3};
        assertEquals(0.5, Folding.agreement(a, b, 2));
        assertEquals(1.0, Folding.maxDiff(a, b));
        assertEquals(0.5, Folding.accuracy(a, new int[] {1, 0}, 2));
    }
}
