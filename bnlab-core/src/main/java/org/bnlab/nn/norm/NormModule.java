package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.nn.CallGuard;
import org.bnlab.nn.Module;
import org.bnlab.tensor.Tensor;

/**
 * The {@link Module} forms every normalization layer of this package shares, written once:
 * {@link #forward} into a new tensor (or a given one), {@link #forwardBuffered} into this layer's
 * reused buffer, and the same two for backward; the input of the last successful forward, which
 * backward differentiates and whose shape the gradient must have. A subclass checks its input and
 * does the arithmetic ({@link #checkInput}, {@link #forwardInto}, {@link #backwardInto}); for an
 * empty input (a zero dimension) it gives an empty result and changes nothing, except that
 * SyncBatchNorm still joins its collective.
 *
 * <p>Threads: the last input, the buffers and the subclass's saved statistics belong to one call at
 * a time, so two threads calling one layer at once get an IllegalStateException ({@link CallGuard}),
 * never mixed numbers. Different layers share nothing and run concurrently.
 */
abstract class NormModule implements Module {
    final String name;

    /** Input of the last successful forward (null before, or after a rejected batch). */
    private Tensor input;
    private Tensor outputBuffer;
    private Tensor gradInputBuffer;
    private final CallGuard guard;

    /** {@code name} names the layer in messages, e.g. {@code BatchNorm(64)}. */
    NormModule(String name) {
        this.name = name;
        this.guard = new CallGuard(name);
    }

    /** Throws an IllegalArgumentException naming the layer when x (non-null) does not fit. */
    abstract void checkInput(Tensor x, boolean training);

    /** y = layer(x) into {@code out}; a rejected batch throws and changes no state. */
    abstract void forwardInto(Tensor x, boolean training, Tensor out);

    /** dx for {@code x}, the last forward's input; adds the parameter gradients, if any. */
    abstract void backwardInto(Tensor x, Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- forward

    /** Normalizes x; returns a new tensor. */
    @Override
    public Tensor forward(Tensor x, boolean training) {
        return forward(x, training, null);
    }

    /** Like {@link #forward(Tensor, boolean)}, writing into {@code out} (same shape as x) when non-null. */
    public Tensor forward(Tensor x, boolean training, Tensor out) {
        check(x, training);
        if (out == null) {
            out = Tensor.zeros(x.shape());
        } else if (!out.sameShape(x) || out == x) {
            throw new IllegalArgumentException(name + ": output tensor " + out + " must be a distinct tensor of the input's shape " + x);
        }
        guard.enter();
        try {
            run(x, training, out);
        } finally {
            guard.exit();
        }
        return out;
    }

    /** Allocation-free forward: the result is this layer's buffer, overwritten by the next call. */
    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        check(x, training);
        guard.enter();
        try {
            if (outputBuffer == null || !outputBuffer.sameShape(x)) {
                outputBuffer = Tensor.zeros(x.shape());
            }
            run(x, training, outputBuffer);
            return outputBuffer;
        } finally {
            guard.exit();
        }
    }

    /** The input checks of a forward: non-null, then the subclass's. */
    final void check(Tensor x, boolean training) {
        if (x == null) {
            throw new IllegalArgumentException(name + ".forward: input is null");
        }
        checkInput(x, training);
    }

    private void run(Tensor x, boolean training, Tensor out) {
        input = null; // no backward through a rejected batch
        forwardInto(x, training, out);
        input = x;
    }

    // ---------------------------------------------------------------- backward

    /** Gradient w.r.t. the input of the last forward, as a new tensor; adds into the parameter gradients. */
    @Override
    public Tensor backward(Tensor gradOutput) {
        guard.enter();
        try {
            checkGradOutput(gradOutput);
            Tensor dx = Tensor.zeros(gradOutput.shape());
            backwardInto(input, gradOutput, dx);
            return dx;
        } finally {
            guard.exit();
        }
    }

    /** Allocation-free backward: the result is this layer's buffer, overwritten by the next call. */
    @Override
    public Tensor backwardBuffered(Tensor gradOutput) {
        guard.enter();
        try {
            checkGradOutput(gradOutput);
            if (gradInputBuffer == null || !gradInputBuffer.sameShape(gradOutput)) {
                gradInputBuffer = Tensor.zeros(gradOutput.shape());
            }
            backwardInto(input, gradOutput, gradInputBuffer);
            return gradInputBuffer;
        } finally {
            guard.exit();
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
}
