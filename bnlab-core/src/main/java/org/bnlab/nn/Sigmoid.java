package org.bnlab.nn;

/** torch.nn.Sigmoid: y = 1 / (1 + exp(-x)), exactly 0 or 1 in the saturated limits (no NaN for |x| up to float max). Backward: dx = dy * (1 - y) * y. No parameters; {@code training} is ignored. */
public final class Sigmoid extends ElementwiseActivation {
    @Override
    void forwardKernel(float[] x, float[] y, int from, int to) {
        ACT.sigmoidForward(x, y, from, to);
    }

    @Override
    void backwardKernel(float[] y, float[] dy, float[] dx, int from, int to) {
        ACT.sigmoidBackward(y, dy, dx, from, to);
    }

    @Override
    public String toString() {
        return "Sigmoid()";
    }
}
