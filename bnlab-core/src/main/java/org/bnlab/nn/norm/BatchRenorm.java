package org.bnlab.nn.norm;

import java.util.List;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;
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
 */
public final class BatchRenorm extends NormLayer {
    private final boolean affine;
    private final Affine params;
    private final RunningStats running;
    private final RenormSchedule schedule;
    private final ChannelNorm core;
    private final double[] r;
    private final double[] d;
    private final ChannelNorm.Coefficients renormCoefficients = this::renormCoefficients;
    private double curRmax;
    private double curDmax;
    private boolean usedBatchStats;

    private BatchRenorm(Builder b) {
        super("BatchRenorm", b.numFeatures, b.eps);
        this.affine = b.affine;
        this.params = affine ? new Affine(numFeatures) : null;
        this.running = new RunningStats(numFeatures, b.momentum, false);
        this.schedule = b.schedule;
        this.core = new ChannelNorm(numFeatures, eps);
        this.r = new double[numFeatures];
        this.d = new double[numFeatures];
    }

    /** eps 1e-5, momentum 0.1 (BatchNorm's defaults), affine, {@link RenormSchedule#paper()}. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    @Override
    void run(Tensor x, float[] y, int n, int s, boolean training) {
        long m = (long) n * s;
        if (!training) {
            usedBatchStats = false;
            core.setFixed(running.mean, running.var, affine ? params.weight : null, affine ? params.bias : null);
            core.fixedForward(x.data(), y, 0, n, s);
            return;
        }
        requireMoreThanOneValue(m, x, "");
        long step = running.numBatchesTracked[0];
        curRmax = schedule.rmax(step);
        curDmax = schedule.dmax(step);
        if (!(curRmax >= 1) || !(curDmax >= 0)) {
            throw new IllegalArgumentException(name + ": the schedule gave rmax " + curRmax + " and dmax " + curDmax + " at step " + step
                    + "; rmax must be >= 1 and dmax >= 0");
        }
        usedBatchStats = true;
        core.batchForward(x.data(), y, 0, n, s, renormCoefficients);
        rejectNonFinite(core.firstNonFiniteChannel(), x);
        running.update(core.mean, core.var, m);
    }

    /** alpha = weight * r / sigma_B, shift = bias + weight * d (r, d from the running statistics before the update). */
    private void renormCoefficients(ChannelNorm k, int c) {
        double sigma = Math.sqrt((double) running.var[c] + eps);
        double rc = Math.min(curRmax, Math.max(1 / curRmax, Math.sqrt(k.var[c] + eps) / sigma));
        double dc = Math.min(curDmax, Math.max(-curDmax, (k.mean[c] - running.mean[c]) / sigma));
        r[c] = rc;
        d[c] = dc;
        double gamma = affine ? params.weight[c] : 1.0;
        k.alpha[c] = (float) (gamma * k.invStd[c] * rc);
        k.shift[c] = (float) ((affine ? params.bias[c] : 0.0) + gamma * dc);
    }

    @Override
    void runBackward(float[] x, float[] dy, float[] dx, int n, int s) {
        core.backward(x, dy, dx, 0, n, s, usedBatchStats);
        if (affine) {
            for (int c = 0; c < numFeatures; c++) {
                // dbias = sum dy; dweight = sum dy * xhat_used, xhat_used = xhat * r + d (batch) or the eval xhat
                double dw = core.sumDyXmu[c] * core.invStd[c];
                params.biasGrad[c] += (float) core.sumDy[c];
                params.weightGrad[c] += (float) (usedBatchStats ? dw * r[c] + core.sumDy[c] * d[c] : dw);
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        return affine ? params.parameters : List.of();
    }

    @Override
    public void stateDict(String prefix, StateDict out) {
        super.stateDict(prefix, out);
        running.stateDict(prefix, out);
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        super.loadStateDict(prefix, in);
        running.loadStateDict(prefix, in);
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    /** Weight of the new batch in the running statistics (PyTorch's convention). */
    public double momentum() {
        return running.momentum();
    }

    public boolean affine() {
        return affine;
    }

    public RenormSchedule schedule() {
        return schedule;
    }

    /** gamma, live; null when affine is false. */
    public float[] weight() {
        return affine ? params.weight : null;
    }

    /** beta, live; null when affine is false. */
    public float[] bias() {
        return affine ? params.bias : null;
    }

    public float[] weightGrad() {
        return affine ? params.weightGrad : null;
    }

    public float[] biasGrad() {
        return affine ? params.biasGrad : null;
    }

    /** Live running mean. */
    public float[] runningMean() {
        return running.mean;
    }

    /** Live running (unbiased) variance. */
    public float[] runningVar() {
        return running.var;
    }

    /** Training steps taken: the schedule's step. */
    public long numBatchesTracked() {
        return running.numBatchesTracked[0];
    }

    /** r of the last training forward, per channel (live; meaningful after a training forward). */
    public double[] lastR() {
        return r;
    }

    /** d of the last training forward, per channel (live). */
    public double[] lastD() {
        return d;
    }

    public void resetRunningStats() {
        running.reset();
    }

    @Override
    public String toString() {
        return "BatchRenorm(" + numFeatures + ", eps=" + eps + ", momentum=" + running.momentum() + ", affine=" + affine
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
            checkNumFeatures("BatchRenorm", numFeatures);
            this.numFeatures = numFeatures;
        }

        /** Added to both variances before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            this.eps = checkEps("BatchRenorm", numFeatures, eps);
            return this;
        }

        /** Weight of the NEW batch in the running statistics, in [0, 1] (default 0.1; tf.keras' renorm_momentum 0.99 is 0.01). */
        public Builder momentum(double momentum) {
            this.momentum = RunningStats.checkMomentum("BatchRenorm", numFeatures, momentum);
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
