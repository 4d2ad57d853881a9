package org.bnlab.nn;

import org.bnlab.tensor.Tensor;

/**
 * [N, C, H, W] (any rank >= 2) -> [N, C*H*W], as PyTorch's {@code nn.Flatten()}. Like PyTorch's it
 * returns a view: the output shares the input's data (and backward's result shares dy's), no copy.
 * The views are kept and reused while the next call passes the same tensor (whose array and shape
 * are fixed), so a steady-state training step allocates nothing here.
 */
public final class Flatten implements Module {
    private int[] inShape;
    private Tensor input;
    private Tensor out;
    private Tensor gradOut;
    private Tensor gradIn;

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException(this + ": expected input [N, ...] of rank >= 2, got " + java.util.Arrays.toString(x.shape()));
        }
        if (input != x) { // a Tensor's array and shape are fixed: the same input, the same view
            inShape = x.shape();
            out = x.reshape(inShape[0], rest());
            input = x;
            gradOut = null; // backward's view has the input's shape: rebuild it too
        }
        return out;
    }

    @Override
    public Tensor backwardBuffered(Tensor dy) {
        if (inShape == null) {
            throw new IllegalArgumentException(this + ": backward called before forward");
        }
        int rest = rest();
        if (!dy.sameShape(inShape[0], rest)) {
            throw new IllegalArgumentException(this + ": gradOutput has shape " + java.util.Arrays.toString(dy.shape())
                    + " but the last forward produced [" + inShape[0] + ", " + rest + "]");
        }
        if (gradOut != dy) {
            gradIn = dy.reshape(inShape);
            gradOut = dy;
        }
        return gradIn;
    }

    /** Product of the input's dimensions after the first. */
    private int rest() {
        int r = 1;
        for (int i = 1; i < inShape.length; i++) {
            r *= inShape[i];
        }
        return r;
    }

    @Override
    public String toString() {
        return "Flatten()";
    }
}
