package org.bnlab.nn;

/** torch.nn.Tanh: y = tanh(x). Backward: dx = dy * (1 - y^2). No parameters; {@code training} is ignored. */
public final class Tanh extends ElementwiseActivation {
    @Override
    void forwardKernel(float[] x, float[] y, int from, int to) {
        ACT.tanhForward(x, y, from, to);
    }

    @Override
    void backwardKernel(float[] y, float[] dy, float[] dx, int from, int to) {
        ACT.tanhBackward(y, dy, dx, from, to);
    }

    @Override
    public String toString() {
        return "Tanh()";
    }
}
