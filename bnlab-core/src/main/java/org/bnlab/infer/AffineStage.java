package org.bnlab.infer;

import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.BatchNormKernel;

/**
 * An eval-mode BatchNorm that could not be folded into a preceding layer (nothing affine before it):
 * y = (x - runningMean[c]) * alpha[c] + beta[c], alpha = gamma / sqrt(runningVar + eps), evaluated as
 * {@code BatchNorm}'s eval forward evaluates it: one FMA per value with the folded bias,
 * y = x * alpha + (beta - runningMean * alpha), unless that bias overflows float for a finite channel.
 */
final class AffineStage implements Stage {
    private static final BatchNormKernel KERNEL = KernelProvider.get().batchNorm();

    private final int channels;
    private final int spatial;
    private final float[] mean;
    private final float[] meanLo;
    private final float[] alpha;
    private final float[] beta;
    /** beta - mean * alpha (in double, rounded once), and whether every channel's is usable. */
    private final float[] bias;
    private final boolean folded;

    AffineStage(int channels, int spatial, float[] mean, float[] alpha, float[] beta) {
        this.channels = channels;
        this.spatial = spatial;
        this.mean = mean;
        this.meanLo = new float[channels]; // the running mean is a float: no low part
        this.alpha = alpha;
        this.beta = beta;
        this.bias = new float[channels];
        this.folded = BatchNormKernel.foldBias(channels, mean, alpha, beta, bias);
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
        if (folded) {
            KERNEL.affine(x, y, 0, n, channels, spatial, 0, channels, alpha, bias);
        } else {
            KERNEL.normalize(x, y, 0, n, channels, spatial, 0, channels, mean, meanLo, alpha, beta);
        }
    }
}
