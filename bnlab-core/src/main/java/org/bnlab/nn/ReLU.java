package org.bnlab.nn;

/** torch.nn.ReLU: y = max(0, x); NaN propagates. Backward: dx = 0 where y {@literal <=} 0, else dy (as threshold_backward). No parameters; {@code training} is ignored. */
public final class ReLU extends ElementwiseActivation {
    @Override
    void forwardKernel(float[] x, float[] y, int from, int to) {
        ACT.reluForward(x, y, from, to);
    }

    @Override
    void backwardKernel(float[] y, float[] dy, float[] dx, int from, int to) {
        ACT.reluBackward(y, dy, dx, from, to);
    }

    @Override
    public String toString() {
        return "ReLU()";
    }
}
