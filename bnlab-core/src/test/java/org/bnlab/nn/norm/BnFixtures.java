package org.bnlab.nn.norm;

import java.util.SplittableRandom;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.tensor.Tensor;

/** Inputs and trained-looking BN state for the folding and inference tests. */
public final class BnFixtures {
    private BnFixtures() {}

    /** A tensor of the given shape filled with offset + scale * U(-1, 1). */
    public static Tensor random(SplittableRandom rng, float offset, float scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = offset + scale * (float) (2 * rng.nextDouble() - 1);
        }
        return t;
    }

    /**
     * Gives every BN non-trivial running statistics (training forwards on x) and random gamma/beta,
     * so that a fold that drops the mean or beta is visibly wrong.
     */
    public static void trainStatistics(Sequential model, Tensor x, SplittableRandom rng) {
        for (int step = 0; step < 5; step++) {
            model.forwardBuffered(x, true);
        }
        for (Module m : model.modules()) {
            if (m instanceof BatchNorm bn && bn.affine()) {
                for (int c = 0; c < bn.numFeatures(); c++) {
                    bn.weight()[c] = (float) (0.5 + rng.nextDouble());
                    bn.bias()[c] = (float) (rng.nextDouble() - 0.5);
                }
            }
        }
    }
}
