package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Configuration, bad inputs, empty batches, modes and state_dict of LayerNorm, GroupNorm, InstanceNorm. */
class NormLayersTest {

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }

    private static Tensor randn(long seed, int... shape) {
        return Tensor.of(BatchNormTest.randn(new SplittableRandom(seed), (int) Tensor.numel(shape), 1, 2), shape);
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void defaultsArePyTorchs() {
        LayerNorm ln = LayerNorm.builder(3, 4).build();
        assertEquals(1e-5, ln.eps());
        assertTrue(ln.elementwiseAffine());
        assertEquals(2, ln.parameters().size());
        assertArrayEquals(new int[] {3, 4}, ln.parameters().get(0).shape());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, ln.weight());
        GroupNorm gn = GroupNorm.builder(2, 6).build();
        assertTrue(gn.affine());
        assertArrayEquals(new int[] {6}, gn.parameters().get(1).shape());
        InstanceNorm in = InstanceNorm.builder(3).build();
        assertEquals(0.1, in.momentum());
        assertTrue(!in.affine() && !in.trackRunningStats());
        assertNull(in.weight());
        assertNull(in.runningMean());
        assertEquals(List.of(), in.parameters());
    }

    @Test
    void badConfigurationIsRejectedAtConstruction() {
        assertMessage(() -> LayerNorm.builder(), "normalizedShape must have at least one dimension");
        assertMessage(() -> LayerNorm.builder(3, 0), "dimensions must be >= 1");
        assertMessage(() -> LayerNorm.builder(4).eps(0), "LayerNorm([4]): eps must be a finite number > 0, got 0.0");
        assertMessage(() -> LayerNorm.builder(4).eps(Double.NaN), "eps must be");
        assertMessage(() -> GroupNorm.builder(4, 6), "num_channels must be divisible by num_groups (numChannels=6, numGroups=4)");
        assertMessage(() -> GroupNorm.builder(0, 6), "numGroups and numChannels must be >= 1");
        assertMessage(() -> GroupNorm.builder(2, 6).eps(-1e-5), "GroupNorm(2, 6): eps must be");
        assertMessage(() -> InstanceNorm.builder(0), "numFeatures must be >= 1");
        assertMessage(() -> InstanceNorm.builder(3).eps(Double.POSITIVE_INFINITY), "InstanceNorm(3): eps must be");
        assertMessage(() -> InstanceNorm.builder(3).momentum(1.5), "momentum must be in [0, 1]");
        assertMessage(() -> InstanceNorm.builder(3).momentum(Double.NaN), "momentum must be in [0, 1]");
    }

    // ---------------------------------------------------------------- bad inputs

    @Test
    void layerNormShapeErrorsNameTheLayer() {
        LayerNorm ln = LayerNorm.builder(3, 4).build();
        assertMessage(() -> ln.forward(Tensor.of(new float[24], 2, 4, 3), true),
                "LayerNorm([3, 4]): given normalizedShape=[3, 4], expected input of shape [*, 3, 4], got [2, 4, 3]");
        assertMessage(() -> ln.forward(Tensor.of(new float[4], 4), true), "got [4]");
        assertMessage(() -> ln.forward(null, true), "LayerNorm([3, 4]).forward: input is null");
        ln.forward(Tensor.of(new float[12], 3, 4), true); // no batch dimension: one group, as PyTorch
    }

    @Test
    void groupNormShapeErrorsNameTheLayer() {
        GroupNorm gn = GroupNorm.builder(2, 4).build();
        assertMessage(() -> gn.forward(Tensor.of(new float[4], 4), true), "GroupNorm(2, 4): expected input of shape [N, C] or [N, C, H, W], got [4] (rank 1)");
        assertMessage(() -> gn.forward(Tensor.of(new float[12], 2, 6), true), "GroupNorm(2, 4): input has 6 channels (shape [2, 6]), expected 4");
    }

    @Test
    void instanceNormShapeErrorsNameTheLayer() {
        InstanceNorm in = InstanceNorm.builder(3).build();
        assertMessage(() -> in.forward(Tensor.of(new float[6], 2, 3), true), "InstanceNorm(3): expected input of shape [N, C, L] or [N, C, H, W], got [2, 3] (rank 2)");
        assertMessage(() -> in.forward(Tensor.of(new float[16], 2, 2, 4), true), "InstanceNorm(3): input has 2 channels");
        assertMessage(() -> in.forward(Tensor.of(new float[6], 2, 3, 1, 1), true),
                "InstanceNorm(3): Expected more than 1 spatial element when training, got input size [2, 3, 1, 1]");
        // without running statistics eval uses the input's statistics too: same rule (PyTorch)
        assertMessage(() -> in.forward(Tensor.of(new float[6], 2, 3, 1), false), "Expected more than 1 spatial element");
        InstanceNorm tracked = InstanceNorm.builder(3).trackRunningStats(true).build();
        tracked.forward(Tensor.of(new float[6], 2, 3, 1, 1), false); // running statistics: fine
    }

    @Test
    void backwardErrorsNameTheLayer() {
        GroupNorm gn = GroupNorm.builder(1, 2).build();
        assertMessage(() -> gn.backward(Tensor.of(new float[4], 2, 2)), "GroupNorm(1, 2): backward called before a successful forward");
        gn.forward(randn(1, 2, 2), true);
        assertMessage(() -> gn.backward(Tensor.of(new float[6], 3, 2)), "gradOutput has shape [3, 2] but the last forward's input had shape [2, 2]");
        assertMessage(() -> gn.backward(null), "gradOutput is null");
    }

    @Test
    void nonFiniteInputIsRejectedNamingWhere() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Tensor x = randn(2, 3, 5);
            x.data()[12] = bad; // sample 2
            LayerNorm ln = LayerNorm.builder(5).build();
            assertMessage(() -> ln.forward(x, true), "LayerNorm([5]): input [3, 5] has NaN or Inf in the values normalized together at leading index [2]; the batch was rejected");
            assertMessage(() -> ln.forward(x, false), "has NaN or Inf");
            assertMessage(() -> ln.backward(x), "backward called before a successful forward");

            Tensor x4 = randn(3, 2, 4, 2, 2);
            x4.data()[1 * 16 + 3 * 4 + 1] = bad; // sample 1, channel 3
            GroupNorm gn = GroupNorm.builder(2, 4).build();
            assertMessage(() -> gn.forward(x4, true), "GroupNorm(2, 4): input [2, 4, 2, 2] has NaN or Inf in sample 1, group 1");

            InstanceNorm in = InstanceNorm.builder(4).trackRunningStats(true).build();
            in.forward(randn(4, 2, 4, 2, 2), true);
            float[] rm = in.runningMean().clone();
            float[] rv = in.runningVar().clone();
            assertMessage(() -> in.forward(x4, true),
                    "InstanceNorm(4): input [2, 4, 2, 2] has NaN or Inf in sample 1, channel 3; the batch was rejected and the running statistics are unchanged");
            assertArrayEquals(rm, in.runningMean());
            assertArrayEquals(rv, in.runningVar());
            in.forward(x4, false); // eval with running statistics: no statistics of the input are taken
        }
    }

    @Test
    void emptyBatchGivesEmptyOutputAndChangesNothing() {
        LayerNorm ln = LayerNorm.builder(5).build();
        assertArrayEquals(new int[] {0, 5}, ln.forward(Tensor.of(new float[0], 0, 5), true).shape());
        assertEquals(0, ln.backward(Tensor.of(new float[0], 0, 5)).numel());
        assertArrayEquals(new float[5], ln.weightGrad());
        GroupNorm gn = GroupNorm.builder(2, 4).build();
        assertArrayEquals(new int[] {0, 4, 3, 3}, gn.forward(Tensor.of(new float[0], 0, 4, 3, 3), true).shape());
        InstanceNorm in = InstanceNorm.builder(3).trackRunningStats(true).build();
        assertArrayEquals(new int[] {0, 3, 4, 4}, in.forwardBuffered(Tensor.of(new float[0], 0, 3, 4, 4), true).shape());
        assertEquals(0, in.backwardBuffered(Tensor.of(new float[0], 0, 3, 4, 4)).numel());
        assertArrayEquals(new float[3], in.runningMean());
        assertArrayEquals(new float[] {1, 1, 1}, in.runningVar());
    }

    // ---------------------------------------------------------------- modes

    @Test
    void layerAndGroupNormAreTheSameInTrainingAndEval() {
        Tensor x = randn(5, 4, 6, 3, 3);
        LayerNorm ln = LayerNorm.builder(3, 3).build();
        assertArrayEquals(ln.forward(x, true).data(), ln.forward(x, false).data());
        GroupNorm gn = GroupNorm.builder(3, 6).build();
        assertArrayEquals(gn.forward(x, true).data(), gn.forward(x, false).data());
    }

    @Test
    void instanceNormEvalUsesRunningStatisticsAsConstants() {
        InstanceNorm in = InstanceNorm.builder(2).affine(true).trackRunningStats(true).momentum(0.5).build();
        Tensor x = randn(6, 3, 2, 4);
        in.forward(x, true);
        assertEquals(0, in.numBatchesTracked(), "PyTorch's InstanceNorm never counts batches");
        in.weight()[1] = 2f;
        in.bias()[1] = 0.5f;
        float[] rm = in.runningMean().clone();
        float[] rv = in.runningVar().clone();
        Tensor xe = randn(7, 3, 2, 4);
        Tensor y = in.forward(xe, false);
        Tensor dy = randn(8, 3, 2, 4);
        in.zeroGrad();
        Tensor dx = in.backward(dy);
        assertArrayEquals(rm, in.runningMean(), "eval leaves the running statistics alone");
        assertArrayEquals(rv, in.runningVar());
        double dw = 0;
        for (int i = 0; i < xe.numel(); i++) {
            int c = (i / 4) % 2;
            double rstd = 1 / Math.sqrt(rv[c] + 1e-5);
            double w = in.weight()[c];
            assertEquals((xe.data()[i] - rm[c]) * rstd * w + in.bias()[c], y.data()[i], 1e-5 * Math.max(1, Math.abs(y.data()[i])));
            assertEquals(w * rstd * dy.data()[i], dx.data()[i], 1e-5 * Math.max(1, Math.abs(dx.data()[i])));
            if (c == 1) {
                dw += dy.data()[i] * (xe.data()[i] - rm[c]) * rstd;
            }
        }
        assertEquals(dw, in.weightGrad()[1], 1e-5 * Math.max(1, Math.abs(dw)));
    }

    @Test
    void instanceNormRunningStatisticsAverageTheSamplesWithPyTorchsMomentum() {
        InstanceNorm in = InstanceNorm.builder(2).trackRunningStats(true).momentum(0.3).build();
        Tensor x = randn(9, 3, 2, 5);
        in.forward(x, true);
        for (int c = 0; c < 2; c++) {
            double meanOfMeans = 0;
            double meanOfVars = 0;
            for (int n = 0; n < 3; n++) {
                double mu = 0;
                double sq = 0;
                for (int j = 0; j < 5; j++) {
                    mu += x.data()[(n * 2 + c) * 5 + j];
                }
                mu /= 5;
                for (int j = 0; j < 5; j++) {
                    double d = x.data()[(n * 2 + c) * 5 + j] - mu;
                    sq += d * d;
                }
                meanOfMeans += mu / 3;
                meanOfVars += sq / 4 / 3; // unbiased: S - 1
            }
            assertEquals(0.3 * meanOfMeans, in.runningMean()[c], 1e-6);
            assertEquals(0.7 + 0.3 * meanOfVars, in.runningVar()[c], 1e-6);
        }
    }

    // ---------------------------------------------------------------- state

    @Test
    void stateDictUsesPyTorchNamesAndRoundTrips() {
        InstanceNorm in = InstanceNorm.builder(3).affine(true).trackRunningStats(true).build();
        in.forward(randn(10, 2, 3, 4, 4), true);
        in.weight()[0] = 1.5f;
        StateDict sd = new StateDict();
        in.stateDict("norm.", sd);
        assertEquals(List.of("norm.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"),
                List.copyOf(sd.entries().keySet()));
        InstanceNorm copy = InstanceNorm.builder(3).affine(true).trackRunningStats(true).build();
        copy.loadStateDict("norm.", sd);
        Tensor x = randn(11, 2, 3, 4, 4);
        assertArrayEquals(in.forward(x, false).data(), copy.forward(x, false).data());

        StateDict none = new StateDict();
        InstanceNorm.builder(3).build().stateDict("", none);
        assertTrue(none.entries().isEmpty(), "PyTorch's default InstanceNorm has no state");

        LayerNorm ln = LayerNorm.builder(3, 4).build();
        ln.bias()[5] = 2f;
        StateDict lsd = new StateDict();
        ln.stateDict("", lsd);
        assertEquals(List.of("weight", "bias"), List.copyOf(lsd.entries().keySet()));
        assertArrayEquals(new int[] {3, 4}, lsd.require("weight").shape());
        LayerNorm other = LayerNorm.builder(3, 4).build();
        other.loadStateDict("", lsd);
        assertEquals(2f, other.bias()[5]);
        assertMessage(() -> LayerNorm.builder(12).build().loadStateDict("", lsd), "is float32 [3, 4], expected float32 [12]");
    }

    @Test
    void forwardReturnsFreshTensorsAndBufferedReuses() {
        GroupNorm gn = GroupNorm.builder(1, 2).build();
        Tensor x = Tensor.of(new float[] {1, 2, 3, 5}, 2, 2);
        Tensor a = gn.forward(x, true);
        Tensor b = gn.forward(x, true);
        assertTrue(a != b && a.data() != b.data());
        assertTrue(gn.forwardBuffered(x, true) == gn.forwardBuffered(x, true));
    }
}
