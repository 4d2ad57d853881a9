package org.bnlab.nn;

import org.bnlab.kernel.Activations;

/** torch.nn.ReLU: y = max(0, x); NaN propagates. Backward: dx = 0 where y <= 0, else dy (as threshold_backward). No parameters; {@code training} is ignored. */
public final class ReLU extends ElementwiseActivation {

    @Override
    void forwardKernel(float[] x, float[] y, int from, int to) {
        Activations.reluForward(x, y, from, to);
    }

    @Override
    void backwardKernel(float[] y, float[] dy, float[] dx, int from, int to) {
        Activations.reluBackward(y, dy, dx, from, to);
    }

    @Override
    public String toString() {
        return "ReLU()";
    }
}
