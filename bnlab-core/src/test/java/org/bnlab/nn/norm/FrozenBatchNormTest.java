package org.bnlab.nn.norm;

import static org.bnlab.nn.norm.BatchNormTest.randn;
import static org.bnlab.nn.norm.BatchRenormTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.optim.SGD;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

class FrozenBatchNormTest {

    private static FrozenBatchNorm filled(SplittableRandom r, int c, boolean trainable) {
        FrozenBatchNorm f = FrozenBatchNorm.builder(c).trainableAffine(trainable).build();
        for (int k = 0; k < c; k++) {
            f.weight()[k] = (float) (0.5 + r.nextDouble());
            f.bias()[k] = (float) r.nextGaussian();
            f.runningMean()[k] = (float) (2 * r.nextGaussian());
            f.runningVar()[k] = (float) (0.1 + 4 * r.nextDouble());
        }
        return f;
    }

    /** y = x * scale + shift and dx = dy * scale, in double, in training and eval alike; no parameters. */
    @Test
    void sameAffineMapInTrainingAndEvalAndConstantGradient() {
        SplittableRandom r = new SplittableRandom(31);
        int c = 4;
        int s = 6;
        FrozenBatchNorm f = filled(r, c, false);
        Tensor x = Tensor.of(randn(r, 3 * c * s, 1, 3), 3, c, 2, 3);
        Tensor dy = Tensor.of(randn(r, x.numel(), 0, 1), x.shape());
        float[] yTrain = f.forward(x, true).data();
        float[] dxTrain = f.backward(dy).data();
        assertArrayEquals(yTrain, f.forward(x, false).data());
        assertArrayEquals(dxTrain, f.backward(dy).data());
        for (int i = 0; i < x.numel(); i++) {
            int k = (i / s) % c;
            double scale = f.weight()[k] / Math.sqrt((double) f.runningVar()[k] + 1e-5);
            double shift = f.bias()[k] - f.runningMean()[k] * scale;
            double y = x.data()[i] * scale + shift;
            assertEquals(y, yTrain[i], 1e-5 * Math.max(1, Math.abs(y)));
            assertEquals(dy.data()[i] * scale, dxTrain[i], 1e-6 * Math.max(1, Math.abs(dy.data()[i] * scale)));
        }
        assertTrue(f.parameters().isEmpty());
        assertEquals(null, f.weightGrad());
        f.forward(Tensor.of(new float[c], 1, c), true); // one sample is fine: no batch statistics
    }

    @Test
    void stateDictHasDetectron2NamesAndLoadsABatchNormCheckpoint() {
        SplittableRandom r = new SplittableRandom(37);
        BatchNorm bn = BatchNorm.builder(3).eps(1e-3).build();
        for (int i = 0; i < 3; i++) {
            bn.forward(Tensor.of(randn(r, 30, 2, 3), 10, 3), true);
        }
        bn.weight()[1] = 2.5f;
        StateDict sd = new StateDict();
        bn.stateDict("", sd);
        FrozenBatchNorm f = FrozenBatchNorm.builder(3).eps(1e-3).build();
        f.loadStateDict("", sd); // num_batches_tracked is not needed
        Tensor x = Tensor.of(randn(r, 15, 0, 1), 5, 3);
        assertArrayEquals(bn.forward(x, false).data(), f.forward(x, true).data());
        StateDict own = new StateDict();
        f.stateDict("", own);
        assertEquals(List.of("weight", "bias", "running_mean", "running_var"), List.copyOf(own.entries().keySet()));
        FrozenBatchNorm g = FrozenBatchNorm.builder(3).eps(1e-3).build();
        g.loadStateDict("", own);
        assertArrayEquals(f.forward(x, false).data(), g.forward(x, false).data());
    }

    /** Trainable affine: the gradients of BatchNorm in eval mode, statistics untouched. */
    @Test
    void trainableAffineHasBatchNormEvalGradients() {
        SplittableRandom r = new SplittableRandom(41);
        BatchNorm bn = BatchNorm.builder(5).build();
        for (int i = 0; i < 2; i++) {
            bn.forward(Tensor.of(randn(r, 40, 2, 3), 8, 5), true);
        }
        FrozenBatchNorm f = FrozenBatchNorm.from(bn, true);
        Tensor x = Tensor.of(randn(r, 30, 1, 2), 6, 5);
        Tensor dy = Tensor.of(randn(r, 30, 0, 1), 6, 5);
        assertArrayEquals(bn.forward(x, false).data(), f.forward(x, true).data());
        assertArrayEquals(bn.backward(dy).data(), f.backward(dy).data());
        assertArrayEquals(bn.weightGrad(), f.weightGrad());
        assertArrayEquals(bn.biasGrad(), f.biasGrad());
        assertEquals(List.of("weight", "bias"), f.parameters().stream().map(Parameter::name).toList());
    }

    /** The model after freeze(..., false): statistics and affine never change through training steps with weight decay. */
    @Test
    void frozenModelKeepsStatisticsAndAffineThroughTraining() {
        SplittableRandom r = new SplittableRandom(43);
        BatchNorm bn1 = BatchNorm.builder(6).build();
        BatchNorm bn2 = BatchNorm.builder(6).build();
        Linear lin = new Linear(6, 6, true, 7);
        Sequential model = new Sequential(new Sequential(bn1, new ReLU()), lin, bn2);
        for (int i = 0; i < 3; i++) {
            model.forward(Tensor.of(randn(r, 48, 1, 2), 8, 6), true);
        }
        Module frozen = BatchNormFreezer.freeze(model, false);
        Sequential top = (Sequential) frozen;
        FrozenBatchNorm f1 = (FrozenBatchNorm) ((Sequential) top.get(0)).get(0);
        FrozenBatchNorm f2 = (FrozenBatchNorm) top.get(2);
        assertSame(lin, top.get(1), "other layers are shared");
        assertArrayEquals(bn1.runningMean(), f1.runningMean());
        assertArrayEquals(bn2.runningVar(), f2.runningVar());
        assertEquals(List.of("1.weight", "1.bias"), frozen.parameters().stream().map(Parameter::name).toList());

        StateDict before = copy(frozen);
        float[] linBefore = lin.parameters().get(0).data().clone();
        SGD opt = SGD.builder(frozen.parameters()).lr(0.1).weightDecay(0.01).build();
        for (int i = 0; i < 5; i++) {
            frozen.zeroGrad();
            Tensor x = Tensor.of(randn(r, 48, 3, 2), 8, 6);
            frozen.forwardBuffered(x, true);
            frozen.backwardBuffered(Tensor.of(randn(r, 48, 0, 1), 8, 6));
            opt.step();
        }
        StateDict after = copy(frozen);
        for (String key : List.of("0.0.weight", "0.0.bias", "0.0.running_mean", "0.0.running_var", "2.weight", "2.running_mean", "2.running_var")) {
            assertArrayEquals(before.require(key).f32(), after.require(key).f32(), key);
        }
        assertFalse(java.util.Arrays.equals(linBefore, lin.parameters().get(0).data()), "the Linear layer did train");
        assertEquals(3, bn1.numBatchesTracked(), "the original model is left as it was");
    }

    /** freeze(..., true): running statistics fixed, the affine parameters train. */
    @Test
    void trainAffineKeepsStatisticsButTrainsWeightAndBias() {
        SplittableRandom r = new SplittableRandom(47);
        GhostBatchNorm gb = GhostBatchNorm.builder(4).virtualBatchSize(2).build();
        BatchRenorm rn = BatchRenorm.builder(4).build();
        Sequential model = new Sequential(gb, rn);
        model.forward(Tensor.of(randn(r, 32, 1, 2), 8, 4), true);
        Module frozen = BatchNormFreezer.freeze(model, true);
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias"), frozen.parameters().stream().map(Parameter::name).toList());
        StateDict before = copy(frozen);
        SGD opt = SGD.builder(frozen.parameters()).lr(0.1).build();
        for (int i = 0; i < 3; i++) {
            frozen.zeroGrad();
            frozen.forwardBuffered(Tensor.of(randn(r, 32, 1, 2), 8, 4), true);
            frozen.backwardBuffered(Tensor.of(randn(r, 32, 0, 1), 8, 4));
            opt.step();
        }
        StateDict after = copy(frozen);
        for (String key : List.of("0.running_mean", "0.running_var", "1.running_mean", "1.running_var")) {
            assertArrayEquals(before.require(key).f32(), after.require(key).f32(), key);
        }
        assertNotEquals(before.require("1.weight").f32()[0], after.require("1.weight").f32()[0]);
    }

    @Test
    void freezerLeavesModelsWithoutBatchNormAndRejectsUntrackedOnes() {
        Linear lin = new Linear(3, 3, true, 1);
        Sequential plain = new Sequential(lin, new ReLU());
        assertSame(plain, BatchNormFreezer.freeze(plain, false));
        assertMessage(() -> BatchNormFreezer.freeze(new Sequential(BatchNorm.builder(3).trackRunningStats(false).build()), true),
                "keeps no running statistics, so there is nothing to freeze");
        assertMessage(() -> BatchNormFreezer.freeze(null, true), "model is null");
        assertTrue(BatchNormFreezer.freeze(BatchNorm.builder(2).build(), false) instanceof FrozenBatchNorm);
    }

    @Test
    void badInputsGiveClearErrors() {
        assertMessage(() -> FrozenBatchNorm.builder(0), "FrozenBatchNorm: numFeatures must be >= 1");
        assertMessage(() -> FrozenBatchNorm.builder(2).eps(Double.NaN), "eps must be a finite number > 0");
        FrozenBatchNorm f = FrozenBatchNorm.builder(2).build();
        assertMessage(() -> f.forward(Tensor.of(new float[6], 2, 3), true), "FrozenBatchNorm(2): input has 3 channels");
        assertMessage(() -> f.backward(Tensor.of(new float[4], 2, 2)), "backward called before a successful forward");
        assertEquals(0, f.forward(Tensor.of(new float[0], 0, 2), true).numel());
    }

    /** A deep copy of a module's state_dict. */
    static StateDict copy(Module m) {
        StateDict live = new StateDict();
        m.stateDict("", live);
        StateDict out = new StateDict();
        for (var e : live.entries().entrySet()) {
            StateDict.Entry v = e.getValue();
            out.put(e.getKey(), v.f32() != null ? StateDict.Entry.f32(v.f32().clone(), v.shape()) : StateDict.Entry.i64(v.i64().clone(), v.shape()));
        }
        return out;
    }

    @Test
    void resettingFrozenStatisticsIsRefusedAndChangesNothing() {
        FrozenBatchNorm f = FrozenBatchNorm.builder(3).build();
        f.runningMean()[1] = 2.5f;
        UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                f::resetRunningStats);
        assertTrue(e.getMessage().contains("frozen"), e.getMessage());
        assertEquals(2.5f, f.runningMean()[1]);
    }
}
