package org.bnlab.kernel;

/**
 * The specification of the activation kernels: sigmoid and tanh are evaluated in double with
 * {@link Math#exp}/{@link Math#tanh} and rounded once to float; results below the float normal range
 * are flushed to zero ({@link Subnormals}).
 */
final class ActivationsScalar implements ActivationKernel {

    @Override
    public void reluForward(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            y[i] = v > 0f || v != v ? v : 0f; // keeps NaN like torch.relu
        }
    }

    @Override
    public void reluBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            dx[i] = y[i] <= 0f ? 0f : dy[i];
        }
    }

    @Override
    public void sigmoidForward(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Subnormals.flush((float) (1.0 / (1.0 + Math.exp(-(double) x[i]))));
        }
    }

    @Override
    public void sigmoidBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            float s = y[i];
            dx[i] = Subnormals.flush(dy[i] * (1f - s) * s);
        }
    }

    @Override
    public void tanhForward(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Subnormals.flush((float) Math.tanh(x[i]));
        }
    }

    @Override
    public void tanhBackward(float[] y, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            float t = y[i];
            dx[i] = Subnormals.flush(dy[i] * (1f - t * t));
        }
    }
}
