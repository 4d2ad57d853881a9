package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.tensor.Tensor;
import org.bnlab.testing.TextGolden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Folding against PyTorch 1.13's own fusion (torch.nn.utils.fusion.fuse_conv_bn_eval /
 * fuse_linear_bn_eval; tools/golden/gen_fusion_golden.py): the folded layer's weight and bias, and the
 * folded model's output, with and without a bias in the layer before the BN (the case where dropping
 * beta - mean * s is the classic bug; the goldens use running means around 3 so that bug would show).
 */
class BatchNormFoldingGoldenTest {

    static void copy(Tensor src, float[] dst) {
        assertEquals(dst.length, src.numel());
        System.arraycopy(src.data(), 0, dst, 0, dst.length);
    }

    /** |a - b| <= 1e-6 * max(1, |b|): both sides compute s = gamma / sqrt(var + eps) once per channel. */
    static void close(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-6 * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, what + "[" + i + "]: " + actual[i] + " vs PyTorch " + expected[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_bn_bias", "conv_bn_nobias", "linear_bn_bias", "linear_bn_nobias"})
    void foldedLayerEqualsPyTorchFusion(String name) throws IOException {
        Map<String, Tensor> g = TextGolden.load("/golden/fusion/" + name + ".txt");
        boolean bias = g.containsKey("bias");
        Tensor w = g.get("weight");
        int out = w.size(0);
        Module layer = name.startsWith("conv") ? new Conv2d(w.size(1), out, w.size(2), 1, 1, bias, 1L)
                : new Linear(w.size(1), out, bias, 1L);
        BatchNorm bn = BatchNorm.builder(out).eps(g.get("eps").data()[0]).build();
        Parameter lw = layer.parameters().get(0);
        copy(w, lw.data());
        if (bias) {
            copy(g.get("bias"), layer.parameters().get(1).data());
        }
        copy(g.get("bn.weight"), bn.weight());
        copy(g.get("bn.bias"), bn.bias());
        copy(g.get("bn.running_mean"), bn.runningMean());
        copy(g.get("bn.running_var"), bn.runningVar());

        Sequential folded = BatchNormFolding.fold(new Sequential(layer, bn));
        assertEquals(1, folded.size(), "the BN is gone");
        Module f = folded.get(0);
        close(g.get("fused.weight").data(), f.parameters().get(0).data(), name + " weight");
        assertEquals(2, f.parameters().size(), "the folded layer always has a bias");
        close(g.get("fused.bias").data(), f.parameters().get(1).data(), name + " bias");
        Tensor y = folded.forward(g.get("x"), false);
        float[] expected = g.get("y").data();
        for (int i = 0; i < expected.length; i++) {
            double tol = 2e-5 * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - y.data()[i]) <= tol, name + " y[" + i + "]: " + y.data()[i] + " vs " + expected[i]);
        }
    }
}
