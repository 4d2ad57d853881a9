package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.Module;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class BatchNormFoldingTest {

    static double maxAbsDiff(Tensor a, Tensor b) {
        assertTrue(a.sameShape(b), a + " vs " + b);
        double m = 0;
        for (int i = 0; i < a.numel(); i++) {
            m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        }
        return m;
    }

    static long countBatchNorms(Sequential s) {
        return s.modules().stream().filter(m -> m instanceof BatchNorm).count();
    }

    @Test
    void linearWithAndWithoutBiasFoldsToTheEvalModeFunction() {
        SplittableRandom rng = new SplittableRandom(1);
        Sequential model = new Sequential(
                new Linear(20, 16, false, 2), BatchNorm.builder(16).build(), new Sigmoid(),
                new Linear(16, 12, true, 3), BatchNorm.builder(12).eps(1e-3).build(), new ReLU(),
                new Dropout(0.2, 4),
                new Linear(12, 5, true, 5));
        Tensor x = BnFixtures.random(rng, 3f, 2f, 32, 20);
        BnFixtures.trainStatistics(model, x, rng);
        Tensor expected = model.forward(x, false);

        Sequential folded = BatchNormFolding.fold(model);
        assertEquals(0, countBatchNorms(folded));
        assertEquals(6, folded.size());
        assertInstanceOf(Linear.class, folded.get(0));
        assertTrue(((Linear) folded.get(0)).bias() != null, "a bias-free Linear gains the folded bias");
        double diff = maxAbsDiff(expected, folded.forward(x, false));
        System.out.printf("fold MLP (Linear without and with bias): max |folded - unfolded| = %.3g%n", diff);
        assertTrue(diff < 1e-5, "max abs diff " + diff);
    }

    @Test
    void convWithAndWithoutBiasFoldsToTheEvalModeFunction() {
        SplittableRandom rng = new SplittableRandom(7);
        Sequential model = new Sequential(
                new Conv2d(3, 8, 3, 1, 1, false, 2), BatchNorm.builder(8).build(), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 6, 3, 2, 0, true, 3), BatchNorm.builder(6).cumulativeAverage().build(), new ReLU(),
                new Flatten(), new Linear(6 * 3 * 3, 4, true, 4));
        Tensor x = BnFixtures.random(rng, -1f, 3f, 6, 3, 16, 16);
        BnFixtures.trainStatistics(model, x, rng);
        Tensor expected = model.forward(x, false);

        Sequential folded = BatchNormFolding.fold(model);
        assertEquals(0, countBatchNorms(folded));
        double diff = maxAbsDiff(expected, folded.forward(x, false));
        System.out.printf("fold CNN (Conv2d without and with bias): max |folded - unfolded| = %.3g%n", diff);
        assertTrue(diff < 1e-5, "max abs diff " + diff);
    }

    @Test
    void theMeanAndBetaOfABiasFreeLayerEndUpInTheFoldedBias() {
        Linear l = new Linear(2, 1, false, 1);
        l.weight().data()[0] = 2f;
        l.weight().data()[1] = -1f;
        BatchNorm bn = BatchNorm.builder(1).eps(0.25).build();
        bn.runningMean()[0] = 3f;
        bn.runningVar()[0] = 3.75f;     // sqrt(3.75 + 0.25) = 2
        bn.weight()[0] = 4f;            // s = 4 / 2 = 2
        bn.bias()[0] = 0.5f;
        Linear f = (Linear) BatchNormFolding.fold(new Sequential(l, bn)).get(0);
        assertEquals(4f, f.weight().data()[0]);
        assertEquals(-2f, f.weight().data()[1]);
        assertEquals((0 - 3) * 2 + 0.5f, f.bias().data()[0]); // -5.5: not 0, not 0.5
    }

    @Test
    void batchNormsWithoutAPrecedingAffineLayerOrWithoutRunningStatisticsStay() {
        SplittableRandom rng = new SplittableRandom(3);
        Sequential model = new Sequential(
                BatchNorm.builder(10).build(),                               // first: nothing to fold into
                new Linear(10, 8, true, 1), new ReLU(), BatchNorm.builder(8).build(), // after ReLU: stays
                new Linear(8, 6, false, 2), BatchNorm.builder(6).trackRunningStats(false).build(), // batch stats: stays
                new Linear(6, 3, true, 3));
        Tensor x = BnFixtures.random(rng, 2f, 1f, 16, 10);
        BnFixtures.trainStatistics(model, x, rng);
        Sequential folded = BatchNormFolding.fold(model);
        assertEquals(model.size(), folded.size());
        assertEquals(3, countBatchNorms(folded));
        assertTrue(maxAbsDiff(model.forward(x, false), folded.forward(x, false)) == 0, "same layers, same arithmetic");
    }

    @Test
    void theInputModelIsLeftUntouchedAndSharesNothing() {
        SplittableRandom rng = new SplittableRandom(5);
        Sequential model = new Sequential(new Linear(4, 3, false, 1), BatchNorm.builder(3).build(), new Sigmoid(),
                new Sequential(new Linear(3, 3, true, 2), BatchNorm.builder(3).build()));
        BnFixtures.trainStatistics(model, BnFixtures.random(rng, 1f, 1f, 8, 4), rng);
        Map<String, float[]> before = snapshot(model);
        Sequential folded = BatchNormFolding.fold(model);
        Map<String, float[]> after = snapshot(model);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, after.get(k)), k));
        assertInstanceOf(Sequential.class, folded.get(2), "nested Sequential folded in place");
        assertEquals(0, countBatchNorms((Sequential) folded.get(2)));
        assertNotEquals(((Linear) model.get(0)).weight().data(), ((Linear) folded.get(0)).weight().data());
        assertFalse(folded.modules().contains(model.get(2)));
    }

    @Test
    void aChannelMismatchIsAClearError() {
        Sequential model = new Sequential(new Linear(4, 3, false, 1), BatchNorm.builder(5).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.fold(model));
        assertTrue(e.getMessage().contains("module 1 BatchNorm(5") && e.getMessage().contains("produces 3"), e.getMessage());
    }

    @Test
    void copiedDropoutKeepsItsPosition() {
        Dropout d = new Dropout(0.5, 9);
        d.forwardBuffered(Tensor.zeros(2, 2), true);
        Dropout c = (Dropout) BatchNormFolding.fold(new Sequential(d)).get(0);
        assertEquals(1, c.callCount());
        assertEquals(0.5, c.p());
        assertEquals(9L, c.seed());
    }

    private static Map<String, float[]> snapshot(Module m) {
        StateDict sd = new StateDict();
        m.stateDict("", sd);
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        sd.entries().forEach((k, e) -> out.put(k, e.f32() != null ? e.f32().clone() : new float[] {e.i64()[0]}));
        return out;
    }
}
