package org.bnlab.infer;

import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.BatchNormKernel;

/**
 * An eval-mode BatchNorm that could not be folded (nothing affine before it):
 * y = (x - runningMean[c]) * alpha[c] + beta[c], alpha = gamma / sqrt(runningVar + eps), through the
 * same kernel and the same float coefficients as {@code BatchNorm}'s eval forward.
 */
final class AffineStage implements Stage {
    private static final BatchNormKernel KERNEL = KernelProvider.get().batchNorm();

    private final int channels;
    private final int spatial;
    private final float[] mean;
    private final float[] meanLo;
    private final float[] alpha;
    private final float[] beta;

    AffineStage(int channels, int spatial, float[] mean, float[] alpha, float[] beta) {
        this.channels = channels;
        this.spatial = spatial;
        this.mean = mean;
        this.meanLo = new float[channels]; // the running mean is a float: no low part
        this.alpha = alpha;
        this.beta = beta;
    }

    @Override
    public int inSize() {
        return channels * spatial;
    }

    @Override
    public int outSize() {
        return channels * spatial;
    }

    @Override
    public boolean inPlace() {
        return true;
    }

    @Override
    public void run(float[] x, float[] y, int n, Workspace ws) {
        KERNEL.normalize(x, y, 0, n, channels, spatial, 0, channels, mean, meanLo, alpha, beta);
    }
}
