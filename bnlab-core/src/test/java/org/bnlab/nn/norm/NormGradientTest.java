package org.bnlab.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * LayerNorm, GroupNorm and InstanceNorm against {@link GroupNormReference} in double: forward values,
 * and backward (dx, weight.grad, bias.grad) against central finite differences of the reference's
 * loss sum(y * dy).
 */
class NormGradientTest {

    /** layer: ln (k = number of normalized dims), gn (k = groups), in (k unused). */
    @ParameterizedTest(name = "{0} {1} k={2}")
    @CsvSource({"ln,'3,5',1", "ln,'2,3,2,3',2", "ln,'2,3,2,3',3", "ln,'4,17',1", "gn,'4,6',3", "gn,'2,6,2,3',2",
                "gn,'2,4,3,3',1", "gn,'3,4,2,2',4", "in,'2,3,2,3',0", "in,'3,2,5',0"})
    void forwardAndBackwardMatchTheDoubleReference(String layer, String dims, int k) {
        int[] shape = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        GroupedNorm norm = build(layer, shape, k);
        int numel = (int) Tensor.numel(shape);
        int s = GroupedNorm.trailingSize(Tensor.zeros(shape), 2);
        int c = shape[1];
        int m = groupSize(layer, shape, k);
        int channels = layer.equals("ln") ? 0 : c;
        SplittableRandom r = new SplittableRandom(numel * 31L + k);
        float[] x = BatchNormTest.randn(r, numel, 0.5, 1.5);
        float[] dy = BatchNormTest.randn(r, numel, 0, 1);
        for (int p = 0; p < norm.weight().length; p++) {
            norm.weight()[p] = (float) (0.5 + r.nextDouble());
            norm.bias()[p] = (float) r.nextGaussian();
        }
        Tensor y = norm.forward(Tensor.of(x, shape), true);
        Tensor dx = norm.backward(Tensor.of(dy, shape));

        double[] xd = BatchNormTest.toDouble(x);
        double[] w = BatchNormTest.toDouble(norm.weight());
        double[] b = BatchNormTest.toDouble(norm.bias());
        double[] dyd = BatchNormTest.toDouble(dy);
        double eps = 1e-5;
        double[] yRef = GroupNormReference.forward(xd, m, s, channels, w, b, eps);
        for (int i = 0; i < numel; i++) {
            assertEquals(yRef[i], y.data()[i], 2e-5 * Math.max(1, Math.abs(yRef[i])), "y[" + i + "]");
        }
        double h = 1e-6;
        for (int i = 0; i < numel; i++) {
            double keep = xd[i];
            xd[i] = keep + h;
            double lp = GroupNormReference.loss(GroupNormReference.forward(xd, m, s, channels, w, b, eps), dyd);
            xd[i] = keep - h;
            double lm = GroupNormReference.loss(GroupNormReference.forward(xd, m, s, channels, w, b, eps), dyd);
            xd[i] = keep;
            double num = (lp - lm) / (2 * h);
            assertEquals(num, dx.data()[i], 1e-4 * Math.max(1, Math.abs(num)), "dx[" + i + "]");
        }
        for (double[] param : new double[][] {w, b}) {
            float[] grad = param == w ? norm.weightGrad() : norm.biasGrad();
            for (int p = 0; p < param.length; p++) {
                double keep = param[p];
                param[p] = keep + h;
                double lp = GroupNormReference.loss(GroupNormReference.forward(xd, m, s, channels, w, b, eps), dyd);
                param[p] = keep - h;
                double lm = GroupNormReference.loss(GroupNormReference.forward(xd, m, s, channels, w, b, eps), dyd);
                param[p] = keep;
                double num = (lp - lm) / (2 * h);
                assertEquals(num, grad[p], 1e-4 * Math.max(1, Math.abs(num)), (param == w ? "dweight[" : "dbias[") + p + "]");
            }
        }
    }

    static GroupedNorm build(String layer, int[] shape, int k) {
        switch (layer) {
            case "ln":
                return LayerNorm.builder(java.util.Arrays.copyOfRange(shape, shape.length - k, shape.length)).build();
            case "gn":
                return GroupNorm.builder(k, shape[1]).build();
            default:
                return InstanceNorm.builder(shape[1]).affine(true).build();
        }
    }

    static int groupSize(String layer, int[] shape, int k) {
        int s = GroupedNorm.trailingSize(Tensor.zeros(shape), 2);
        switch (layer) {
            case "ln":
                return (int) Tensor.numel(java.util.Arrays.copyOfRange(shape, shape.length - k, shape.length));
            case "gn":
                return shape[1] / k * s;
            default:
                return s;
        }
    }
}
