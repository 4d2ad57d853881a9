package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.nn.CallGuard;
import org.bnlab.nn.Module;
import org.bnlab.tensor.Tensor;

/**
 * What BatchRenorm, GhostBatchNorm and FrozenBatchNorm share: BatchNorm's input rules (shape [N, C]
 * or [N, C, H, W] with C = numFeatures, an IllegalArgumentException naming the layer otherwise),
 * the forward/backward forms of {@link Module} (new tensors, or this layer's reused buffers), and
 * the input of the last forward that backward differentiates. An empty batch gives an empty result
 * and changes nothing. Subclasses implement the arithmetic on flat arrays viewed as (n, C, s).
 *
 * <p>Not thread-safe, like BatchNorm: the call being run lives in fields. Two threads calling one
 * layer at once get an IllegalStateException ({@link CallGuard}), never mixed numbers.
 */
abstract class NormLayer implements Module {
    final int numFeatures;
    final double eps;
    final String name;

    /** Input of the last successful forward (null before, or after a rejected batch). */
    Tensor input;
    private Tensor outputBuffer;
    private Tensor gradInputBuffer;
    /** Overlapping calls from two threads are refused, not mixed. */
    private final CallGuard guard;

    NormLayer(String kind, int numFeatures, double eps) {
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.name = kind + "(" + numFeatures + ")";
        this.guard = new CallGuard(name);
    }

    /** y = layer(x) into {@code y} (x viewed as (n, C, s), n*s >= 1); a rejected batch changes no state. */
    abstract void run(Tensor x, float[] y, int n, int s, boolean training);

    /** dx for the last forward's input; adds the parameter gradients, if any. */
    abstract void runBackward(float[] x, float[] dy, float[] dx, int n, int s);

    @Override
    public Tensor forward(Tensor x, boolean training) {
        checkInput(x);
        Tensor out = Tensor.zeros(x.shape());
        guard.enter();
        try {
            forwardInto(x, training, out);
        } finally {
            guard.exit();
        }
        return out;
    }

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        checkInput(x);
        guard.enter();
        try {
            if (outputBuffer == null || !outputBuffer.sameShape(x)) {
                outputBuffer = Tensor.zeros(x.shape());
            }
            forwardInto(x, training, outputBuffer);
            return outputBuffer;
        } finally {
            guard.exit();
        }
    }

    private void forwardInto(Tensor x, boolean training, Tensor out) {
        input = null; // no backward through a rejected batch
        int n = x.size(0);
        int s = spatial(x);
        if ((long) n * s > 0) {
            run(x, out.data(), n, s, training);
        }
        input = x;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
        guard.enter();
        try {
            checkGradOutput(gradOutput);
            Tensor dx = Tensor.zeros(gradOutput.shape());
            backwardInto(gradOutput, dx);
            return dx;
        } finally {
            guard.exit();
        }
    }

    @Override
    public Tensor backwardBuffered(Tensor gradOutput) {
        guard.enter();
        try {
            checkGradOutput(gradOutput);
            if (gradInputBuffer == null || !gradInputBuffer.sameShape(gradOutput)) {
                gradInputBuffer = Tensor.zeros(gradOutput.shape());
            }
            backwardInto(gradOutput, gradInputBuffer);
            return gradInputBuffer;
        } finally {
            guard.exit();
        }
    }

    private void backwardInto(Tensor dy, Tensor dx) {
        int n = input.size(0);
        int s = spatial(input);
        if ((long) n * s > 0) {
            runBackward(input.data(), dy.data(), dx.data(), n, s);
        }
    }

    static int spatial(Tensor x) {
        return x.dim() == 4 ? x.size(2) * x.size(3) : 1;
    }

    /** Rank and channel count, without copying the shape (this runs on every call). */
    private void checkInput(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(name + ".forward: input is null");
        }
        int rank = x.dim();
        if (rank != 2 && rank != 4) {
            throw new IllegalArgumentException(name + ": expected input of shape [N, C] or [N, C, H, W], got "
                    + Arrays.toString(x.shape()) + " (rank " + rank + ")");
        }
        if (x.size(1) != numFeatures) {
            throw new IllegalArgumentException(name + ": input has " + x.size(1) + " channels (shape "
                    + Arrays.toString(x.shape()) + "), expected " + numFeatures);
        }
    }

    private void checkGradOutput(Tensor dy) {
        if (input == null) {
            throw new IllegalArgumentException(name + ": backward called before a successful forward");
        }
        if (dy == null) {
            throw new IllegalArgumentException(name + ".backward: gradOutput is null");
        }
        if (!dy.sameShape(input)) {
            throw new IllegalArgumentException(name + ".backward: gradOutput has shape " + Arrays.toString(dy.shape())
                    + " but the last forward's input had shape " + Arrays.toString(input.shape()));
        }
    }

    /** PyTorch's rule: batch statistics need more than one value per channel. */
    void requireMoreThanOneValue(long valuesPerChannel, Tensor x, String detail) {
        if (valuesPerChannel == 1) {
            throw new IllegalArgumentException(name + ": Expected more than 1 value per channel when training, got input size "
                    + Arrays.toString(x.shape()) + detail);
        }
    }

    /** A batch with NaN or Inf is rejected before anything is updated. */
    void rejectNonFinite(int channel, Tensor x) {
        if (channel >= 0) {
            throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has NaN or Inf in channel "
                    + channel + "; the batch was rejected and the running statistics are unchanged");
        }
    }

    static double checkEps(String layer, int numFeatures, double eps) {
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException(layer + "(" + numFeatures + "): eps must be a finite number > 0, got " + eps);
        }
        return eps;
    }

    static void checkNumFeatures(String layer, int numFeatures) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException(layer + ": numFeatures must be >= 1, got " + numFeatures);
        }
    }
}
