package org.bnlab.nn;

import org.bnlab.kernel.Pool2d;
import org.bnlab.tensor.Tensor;

/**
 * Mean over H and W: [N, C, H, W] -> [N, C] (PyTorch: {@code AdaptiveAvgPool2d(1)} then {@code flatten(1)}).
 * Backward spreads dy / (H*W) over the plane.
 */
public final class GlobalAvgPool2d implements Module {
    private int[] inShape;
    private Tensor y;
    private Tensor dx;

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        if (x.dim() != 4 || x.size(2) * x.size(3) == 0) {
            throw new IllegalArgumentException(this + ": expected input [N, C, H, W] with H, W >= 1, got " + java.util.Arrays.toString(x.shape()));
        }
        int planes = x.size(0) * x.size(1);
        int hw = x.size(2) * x.size(3);
        if (y == null || !y.sameShape(x.size(0), x.size(1))) {
            y = Tensor.zeros(x.size(0), x.size(1));
        }
        Pool2d.globalAvgForward(y.data(), x.data(), planes, hw);
        inShape = x.shape();
        return y;
    }

    @Override
    public Tensor backwardBuffered(Tensor dy) {
        if (inShape == null) {
            throw new IllegalArgumentException(this + ": backward called before forward");
        }
        if (!dy.sameShape(inShape[0], inShape[1])) {
            throw new IllegalArgumentException(this + ": gradOutput has shape " + java.util.Arrays.toString(dy.shape())
                    + " but the last forward produced [" + inShape[0] + ", " + inShape[1] + "]");
        }
        if (dx == null || !dx.sameShape(inShape)) {
            dx = Tensor.zeros(inShape);
        }
        int hw = inShape[2] * inShape[3];
        float[] g = dy.data();
        float[] d = dx.data();
        // dx[p, q] = dy[p] / HW
        for (int p = 0; p < g.length; p++) {
            java.util.Arrays.fill(d, p * hw, p * hw + hw, g[p] / hw);
        }
        return dx;
    }

    @Override
    public String toString() {
        return "GlobalAvgPool2d()";
    }
}
