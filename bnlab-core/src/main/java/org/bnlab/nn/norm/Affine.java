package org.bnlab.nn.norm;

import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.Parameter;

/** gamma (weight, initially 1) and beta (bias, initially 0) with their gradients, PyTorch's parameter names. */
final class Affine {
    final float[] weight;
    final float[] bias;
    final float[] weightGrad;
    final float[] biasGrad;
    final List<Parameter> parameters;

    Affine(int channels) {
        weight = new float[channels];
        Arrays.fill(weight, 1f);
        bias = new float[channels];
        weightGrad = new float[channels];
        biasGrad = new float[channels];
        parameters = List.of(new Parameter("weight", weight, weightGrad, channels), new Parameter("bias", bias, biasGrad, channels));
    }
}
