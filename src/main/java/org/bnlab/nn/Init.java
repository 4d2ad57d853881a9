package org.bnlab.nn;

import java.util.SplittableRandom;
import org.bnlab.tensor.Tensor;

/** PyTorch's default initialization of Linear and Conv2d, drawn from a seeded generator. */
final class Init {
    private Init() {}

    /**
     * Fills {@code w} from U(-1/sqrt(fanIn), 1/sqrt(fanIn)). This is what PyTorch's
     * {@code reset_parameters} gives for both the weight (kaiming_uniform with a = sqrt(5): gain
     * sqrt(2/(1+5)), bound = sqrt(3) * gain / sqrt(fanIn) = 1/sqrt(fanIn)) and the bias.
     * The distribution is PyTorch's; the numbers are not (another generator).
     */
    static void uniformFanIn(float[] w, int fanIn, SplittableRandom rng) {
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rng.nextDouble() * 2.0 - 1.0) * bound);
        }
    }

    /** "[60, 784]" */
    static String shape(Tensor t) {
        return java.util.Arrays.toString(t.shape());
    }
}
