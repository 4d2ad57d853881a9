package org.bnlab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bnlab.nn.Parameter;
import org.junit.jupiter.api.Test;

/** clipGradNorm against torch.nn.utils.clip_grad_norm_ (golden/optim/clip_grad_norm.txt). */
class GradClipTest {

    private static final GoldenData G = GoldenData.load("clip_grad_norm.txt");

    @Test
    void matchesTorch() {
        for (String name : List.of("clip_small", "clip_large")) {
            Parameter a = new Parameter("a", new float[12], G.floats("grad.p0"), 3, 4);
            Parameter b = new Parameter("b", new float[5], G.floats("grad.p1"), 5);
            double norm = GradClip.clipGradNorm(List.of(a, b), G.scalar(name + ".max_norm"));
            GoldenData.assertClose(name + " norm", G.get(name + ".total_norm"), new double[] {norm});
            GoldenData.assertClose(name + " p0", G.get(name + ".p0"), a.grad());
            GoldenData.assertClose(name + " p1", G.get(name + ".p1"), b.grad());
        }
    }

    @Test
    void nonFiniteNormIsReturnedAndNothingScaled() {
        Parameter a = new Parameter("a", new float[2], new float[] {Float.NaN, 1}, 2);
        assertEquals(Double.NaN, GradClip.clipGradNorm(List.of(a), 1.0));
        assertEquals(1f, a.grad()[1]);
    }
}
