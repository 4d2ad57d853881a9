package org.bnlab.nn.norm;

import org.bnlab.tensor.Tensor;

/**
 * Batch Renormalization (Ioffe 2017, arXiv 1702.03275): BatchNorm whose training output is
 * corrected towards the running statistics, so training and inference compute the same function
 * when batches are small or not i.i.d. Input [N, C] or [N, C, H, W], as {@link BatchNorm}.
 *
 * <pre>
 *   training:  mu_B, var_B = batch mean and BIASED variance (as BatchNorm), sigma_B = sqrt(var_B + eps)
 *              sigma = sqrt(runningVar + eps)
 *              r = clip(sigma_B / sigma, 1/rmax, rmax)            d = clip((mu_B - runningMean) / sigma, -dmax, dmax)
 *              y = weight * ((x - mu_B) / sigma_B * r + d) + bias
 *              then runningMean, runningVar updated exactly as BatchNorm's (momentum = weight of the NEW batch,
 *              runningVar from the unbiased batch variance), numBatchesTracked += 1
 *   backward:  r and d are constants (stop-gradient): dx is BatchNorm's training dx with dy scaled by r;
 *              dweight = sum dy * (xhat * r + d), dbias = sum dy
 *   eval:      BatchNorm's: y = (x - runningMean) / sqrt(runningVar + eps) * weight + bias
 * </pre>
 * r and d use the running statistics from BEFORE this batch's update, and rmax, dmax come from the
 * {@link RenormSchedule} at step t = numBatchesTracked (0 for the first batch; it is saved in the
 * state_dict, so a resumed run continues the schedule). With rmax = 1, dmax = 0 the layer computes
 * BatchNorm's forward and backward bit for bit.
 *
 * <p>Variance convention (a decision): sigma_B uses the biased batch variance plus eps, the
 * paper's sqrt(var + eps), so r = 1, d = 0 is exactly BN's normalization; sigma uses the running
 * variance, which is BatchNorm's unbiased moving average of the variance. The paper instead keeps a
 * moving average of sigma itself; tf.keras computes r and d from separate renorm_mean/renorm_stddev
 * averages (renorm_momentum) and derives moving_variance from a moving average of sqrt(var + eps)
 * (momentum). One set of BatchNorm buffers serves both here, so eval mode, the state_dict and
 * Precise BN are BatchNorm's.
 *
 * <p>Mapping: tf.keras {@code BatchNormalization(renorm=True, renorm_momentum=0.99,
 * renorm_clipping={'rmax': R, 'rmin': 1/R, 'dmax': D})} is roughly {@code momentum(0.01)} (Keras
 * weighs the OLD value) with {@code RenormSchedule.constant(R, D)}; an rmin other than 1/rmax has
 * no equivalent. Default schedule: {@link RenormSchedule#paper()}.
 *
 * <p>Structure: {@link BatchNormOp}'s batch statistics and normalization with the coefficients
 * alpha = weight * r / sigma_B, shift = bias + weight * d; the op's backward reuses alpha, so r needs
 * no code of its own there, and only dweight adds the r and d terms.
 */
public final class BatchRenorm extends NormLayer {
    private final RenormSchedule schedule;
    /** The last forward, for backward: BatchNorm's saved statistics and coefficients ... */
    private final BatchNormOp.Saved saved;
    /** ... and r, d of the last training forward (constants of the backward). */
    private final double[] r;
    private final double[] d;

    private BatchRenorm(Builder b) {
        super("BatchRenorm", b.numFeatures, b.eps, b.affine, true, b.momentum, false);
        this.schedule = b.schedule;
        this.saved = new BatchNormOp.Saved(numFeatures);
        this.r = new double[numFeatures];
        this.d = new double[numFeatures];
    }

    /** eps 1e-5, momentum 0.1 (BatchNorm's defaults), affine, {@link RenormSchedule#paper()}. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    @Override
    void run(Tensor x, float[] y, int n, int s, boolean training) {
        if (!training) {
            BatchNormOp.forwardEval(saved, x.data(), y, 0, n, s, running.mean, running.var, weight(), bias(), eps);
            return;
        }
        long m = (long) n * s;
        requireMoreThanOneValue(m, x, "");
        long step = running.numBatchesTracked[0];
        double rmax = schedule.rmax(step);
        double dmax = schedule.dmax(step);
        if (!(rmax >= 1) || !(dmax >= 0)) {
            throw new IllegalArgumentException(name + ": the schedule gave rmax " + rmax + " and dmax " + dmax + " at step " + step
                    + "; rmax must be >= 1 and dmax >= 0");
        }
        rejectNonFinite(BatchNormOp.batchStatistics(saved, x.data(), 0, n, s, eps), x);
        renormCoefficients(rmax, dmax);
        BatchNormOp.normalize(saved, y);
        running.update(saved.mean, saved.var, m);
    }

    /** r, d from the running statistics before the update; alpha = weight * r / sigma_B, shift = bias + weight * d. */
    private void renormCoefficients(double rmax, double dmax) {
        for (int c = 0; c < numFeatures; c++) {
            double sigma = Math.sqrt((double) running.var[c] + eps);
            double rc = Math.min(rmax, Math.max(1 / rmax, Math.sqrt(saved.var[c] + eps) / sigma));
            double dc = Math.min(dmax, Math.max(-dmax, (saved.mean[c] - running.mean[c]) / sigma));
            r[c] = rc;
            d[c] = dc;
            double gamma = params != null ? params.weight[c] : 1.0;
            saved.alpha[c] = (float) (gamma * saved.invStd[c] * rc);
            saved.shift[c] = (float) ((params != null ? params.bias[c] : 0.0) + gamma * dc);
        }
    }

    @Override
    void runBackward(float[] x, float[] dy, float[] dx, int n, int s) {
        BatchNormOp.backward(saved, dy, dx);
        if (params != null) {
            for (int c = 0; c < numFeatures; c++) {
                // dbias = sum dy; dweight = sum dy * xhat_used, xhat_used = xhat * r + d (batch) or the eval xhat
                double dw = saved.sumDyXmu[c] * saved.invStd[c];
                params.biasGrad[c] += (float) saved.sumDy[c];
                params.weightGrad[c] += (float) (saved.batchStats ? dw * r[c] + saved.sumDy[c] * d[c] : dw);
            }
        }
    }

    /** Weight of the new batch in the running statistics (PyTorch's convention). */
    public double momentum() {
        return running.momentum();
    }

    public RenormSchedule schedule() {
        return schedule;
    }

    /** r of the last training forward, per channel (live; meaningful after a training forward). */
    public double[] lastR() {
        return r;
    }

    /** d of the last training forward, per channel (live). */
    public double[] lastD() {
        return d;
    }

    @Override
    public String toString() {
        return "BatchRenorm(" + numFeatures + ", eps=" + eps + ", momentum=" + running.momentum() + ", affine=" + affine()
                + ", schedule=" + schedule + ")";
    }

    /** Immutable configuration; defaults eps 1e-5, momentum 0.1, affine, the paper's schedule. */
    public static final class Builder {
        private final int numFeatures;
        private double eps = 1e-5;
        private double momentum = 0.1;
        private boolean affine = true;
        private RenormSchedule schedule = RenormSchedule.paper();

        private Builder(int numFeatures) {
            this.numFeatures = NormArgs.numFeatures("BatchRenorm", numFeatures);
        }

        /** Added to both variances before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            this.eps = NormArgs.eps("BatchRenorm(" + numFeatures + ")", eps);
            return this;
        }

        /** Weight of the NEW batch in the running statistics, in [0, 1] (default 0.1; tf.keras' renorm_momentum 0.99 is 0.01). */
        public Builder momentum(double momentum) {
            this.momentum = NormArgs.momentum("BatchRenorm(" + numFeatures + ")", momentum);
            return this;
        }

        public Builder affine(boolean affine) {
            this.affine = affine;
            return this;
        }

        /** The rmax/dmax schedule (default {@link RenormSchedule#paper()}). */
        public Builder schedule(RenormSchedule schedule) {
            if (schedule == null) {
                throw new IllegalArgumentException("BatchRenorm(" + numFeatures + "): schedule is null");
            }
            this.schedule = schedule;
            return this;
        }

        /** Fixed limits: {@code schedule(RenormSchedule.constant(rmax, dmax))}. */
        public Builder clipping(double rmax, double dmax) {
            return schedule(RenormSchedule.constant(rmax, dmax));
        }

        public BatchRenorm build() {
            return new BatchRenorm(this);
        }
    }
}
