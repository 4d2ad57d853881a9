package org.bnlab.nn.norm;

import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.CallGuard;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Shapes;
import org.bnlab.tensor.Tensor;

/**
 * Batch Normalization (Ioffe &amp; Szegedy 2015, Algorithms 1 and 2), with PyTorch's semantics, for
 * dense input [N, C] (statistics over N) and convolutional input [N, C, H, W] (over N*H*W).
 *
 * <pre>
 *   training:  mean = (1/m) sum x,  var = (1/m) sum (x - mean)^2        (biased; m = N*H*W)
 *              y = (x - mean) / sqrt(var + eps) * weight + bias
 *              running = (1 - momentum) * running + momentum * batch     (var: unbiased, m/(m-1))
 *   eval:      the same with runningMean / runningVar in place of the batch statistics
 * </pre>
 *
 * <p>Momentum convention (PyTorch's): the weight of the NEW batch, default 0.1. Keras' momentum=0.99
 * and DL4J's decay=0.9 weigh the OLD value: Keras 0.99 is bnlab 0.01. {@link Builder#cumulativeAverage()}
 * is PyTorch's momentum=None: factor 1/numBatchesTracked. With trackRunningStats(false) there are no
 * buffers and batch statistics are used in eval too.
 *
 * <p>Robustness, beyond PyTorch: statistics are shifted sums with double accumulation, in one pass
 * over the batch in memory order, and the exact two-pass formula for a channel whose shift is far
 * from its mean ({@link ChannelPasses}), so a channel with mean 1e4 and std 1e-3 normalizes correctly, a constant channel gives
 * exactly {@code bias}, values near 1e30 do not overflow (the running variance, a float32 buffer,
 * saturates at Float.MAX_VALUE when the batch variance exceeds it). A training batch holding NaN or Inf
 * is rejected and leaves the running statistics exactly as they were.
 *
 * <p>{@link #forward}/{@link #backward} return new tensors; {@link #forwardBuffered}/
 * {@link #backwardBuffered} reuse this layer's buffers (the training loop's allocation-free path).
 * Backward uses the input of the last forward, which must not be modified in between.
 *
 * <p>Not thread-safe: the call being run lives in fields. Two threads calling one layer at once get
 * an IllegalStateException ({@link CallGuard}), never mixed numbers; use one model per thread.
 */
public final class BatchNorm implements Module {
    private final int numFeatures;
    private final double eps;
    private final double momentum;
    private final boolean cumulative;
    private final boolean affine;
    private final boolean track;
    private final String name;

    private final float[] weight;
    private final float[] bias;
    private final float[] weightGrad;
    private final float[] biasGrad;
    private final float[] runningMean;
    private final float[] runningVar;
    private final long[] numBatchesTracked = new long[1];
    private final List<Parameter> parameters;

    /** The kernel passes, in memory order over fixed sample chunks (thread-count independent). */
    private final ChannelPasses passes;

    // Per-channel workspaces (allocated once).
    private final double[] batchMean;
    private final double[] batchVar;
    private final double[] invStd;
    private final float[] meanHi;
    private final float[] meanLo;
    private final float[] alpha;
    private final float[] shift;
    private final double[] sumDy;
    private final double[] sumDyXmu;
    private final float[] meanDy;
    private final float[] kCoef;
    private final float[] ones;
    private final float[] zeros;

    // The last forward: what backward needs.
    private Tensor input;
    private boolean usedBatchStats;
    private Tensor outputBuffer;
    private Tensor gradInputBuffer;
    /** The fields above make the layer single-threaded: overlapping calls are refused, not mixed. */
    private final CallGuard guard;

    private BatchNorm(Builder b) {
        this.numFeatures = b.numFeatures;
        this.eps = b.eps;
        this.momentum = b.momentum;
        this.cumulative = b.cumulative;
        this.affine = b.affine;
        this.track = b.track;
        this.name = "BatchNorm(" + numFeatures + ")";
        this.guard = new CallGuard(name);
        int c = numFeatures;
        // 14 float and 5 double arrays of c: checked against the heap before allocating
        Shapes.checkHeap(name + " buffers", (14L * Float.BYTES + 5L * Double.BYTES) * c);
        if (affine) {
            weight = new float[c];
            Arrays.fill(weight, 1f);
            bias = new float[c];
            weightGrad = new float[c];
            biasGrad = new float[c];
            parameters = List.of(new Parameter("weight", weight, weightGrad, c), new Parameter("bias", bias, biasGrad, c));
        } else {
            weight = null;
            bias = null;
            weightGrad = null;
            biasGrad = null;
            parameters = List.of();
        }
        if (track) {
            runningMean = new float[c];
            runningVar = new float[c];
            Arrays.fill(runningVar, 1f);
        } else {
            runningMean = null;
            runningVar = null;
        }
        batchMean = new double[c];
        batchVar = new double[c];
        invStd = new double[c];
        meanHi = new float[c];
        meanLo = new float[c];
        alpha = new float[c];
        shift = new float[c];
        sumDy = new double[c];
        sumDyXmu = new double[c];
        meanDy = new float[c];
        kCoef = new float[c];
        ones = new float[c];
        Arrays.fill(ones, 1f);
        zeros = new float[c];
        passes = new ChannelPasses(c);
    }

    /** A builder with PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running stats. */
    public static Builder builder(int numFeatures) {
        return new Builder(numFeatures);
    }

    // ---------------------------------------------------------------- forward

    /** Normalizes x ([N, C] or [N, C, H, W]); returns a new tensor. */
    @Override
    public Tensor forward(Tensor x, boolean training) {
        return forward(x, training, null);
    }

    /** Like {@link #forward(Tensor, boolean)}, writing into {@code out} (same shape as x) when non-null. */
    public Tensor forward(Tensor x, boolean training, Tensor out) {
        checkInput(x);
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
        checkInput(x);
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

    /** Checks rank and channel count without copying the shape (this runs on every call). */
    void checkInput(Tensor x) {
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

    private void run(Tensor x, boolean training, Tensor out) {
        int n = x.size(0);
        int s = x.dim() == 4 ? x.size(2) * x.size(3) : 1;
        long m = (long) n * s;
        if (training && m == 1) {
            throw new IllegalArgumentException(name + ": Expected more than 1 value per channel when training, got input size "
                    + Arrays.toString(x.shape()));
        }
        input = x;
        usedBatchStats = training || !track;
        if (m == 0) {
            return; // empty batch: empty output, statistics untouched
        }
        float[] gamma = affine ? weight : ones;
        float[] beta = affine ? bias : zeros;
        if (usedBatchStats) {
            // statistics (one read of x), coefficients, then y = (x - mean) * alpha + shift (read x, write y)
            passes.meanVar(x.data(), 0, n, s, batchMean, batchVar);
            checkFiniteStatistics(x);
            BatchNormSteps.normalization(invStd, meanHi, meanLo, alpha, shift, batchMean, batchVar, gamma, beta, eps, 0, numFeatures);
            passes.normalize(x.data(), out.data(), 0, n, s, meanHi, meanLo, alpha, shift);
            if (training && track) {
                updateRunningStats(batchMean, batchVar, m);
            }
        } else {
            // eval with running statistics: y = (x - runningMean) * weight/sqrt(runningVar + eps) + bias
            for (int c = 0; c < numFeatures; c++) {
                double is = 1.0 / Math.sqrt((double) runningVar[c] + eps);
                invStd[c] = is;
                meanHi[c] = runningMean[c];
                meanLo[c] = 0f;
                alpha[c] = (float) (gamma[c] * is);
                shift[c] = beta[c];
            }
            passes.normalize(x.data(), out.data(), 0, n, s, meanHi, meanLo, alpha, shift);
        }
    }

    private void checkFiniteStatistics(Tensor x) {
        for (int c = 0; c < numFeatures; c++) {
            if (Double.isNaN(batchMean[c]) || Double.isNaN(batchVar[c])) {
                input = null; // no backward through a rejected batch
                throw new IllegalArgumentException(name + ": input " + Arrays.toString(x.shape()) + " has NaN or Inf in channel " + c
                        + "; the batch was rejected and the running statistics are unchanged");
            }
        }
    }

    /** running = (1 - f) * running + f * batch, var unbiased over m values (SyncBatchNorm passes the global batch's). */
    void updateRunningStats(double[] mean, double[] var, long m) {
        numBatchesTracked[0]++;
        double f = cumulative ? 1.0 / numBatchesTracked[0] : momentum;
        double unbias = (double) m / (m - 1);
        for (int c = 0; c < numFeatures; c++) {
            runningMean[c] = (float) ((1 - f) * runningMean[c] + f * mean[c]);
            double rv = (1 - f) * runningVar[c] + f * var[c] * unbias;
            runningVar[c] = (float) Math.min(rv, Float.MAX_VALUE);
        }
    }

    // ---------------------------------------------------------------- backward

    /** Gradient w.r.t. the input of the last forward, as a new tensor; adds into weightGrad/biasGrad. */
    @Override
    public Tensor backward(Tensor gradOutput) {
        guard.enter();
        try {
            checkGradOutput(gradOutput);
            Tensor dx = Tensor.zeros(gradOutput.shape());
            runBackward(gradOutput, dx);
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
            runBackward(gradOutput, gradInputBuffer);
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

    private void runBackward(Tensor dy, Tensor dx) {
        int n = input.size(0);
        int s = input.dim() == 4 ? input.size(2) * input.size(3) : 1;
        if ((long) n * s == 0) {
            return;
        }
        float[] x = input.data();
        passes.backwardSums(x, dy.data(), 0, n, s, meanHi, meanLo, sumDy, sumDyXmu);
        BatchNormSteps.backward(alpha, meanDy, kCoef, invStd, sumDy, sumDyXmu, affine ? weight : ones, (double) n * s, 0, numFeatures);
        if (usedBatchStats) {
            passes.backwardInput(x, dy.data(), dx.data(), 0, n, s, meanHi, meanLo, alpha, meanDy, kCoef);
        } else {
            passes.scale(dy.data(), dx.data(), 0, n, s, alpha);
        }
        if (affine) {
            BatchNormSteps.accumulateAffineGrads(weightGrad, biasGrad, sumDy, sumDyXmu, invStd, numFeatures);
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    @Override
    public void stateDict(String prefix, StateDict out) {
        Module.super.stateDict(prefix, out);
        if (track) {
            out.put(prefix + "running_mean", StateDict.Entry.f32(runningMean, numFeatures));
            out.put(prefix + "running_var", StateDict.Entry.f32(runningVar, numFeatures));
            out.put(prefix + "num_batches_tracked", StateDict.Entry.i64(numBatchesTracked));
        }
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        Module.super.loadStateDict(prefix, in);
        if (track) {
            in.copyInto(prefix + "running_mean", runningMean, numFeatures);
            in.copyInto(prefix + "running_var", runningVar, numFeatures);
            StateDict.Entry e = in.require(prefix + "num_batches_tracked");
            if (e.i64() == null || e.i64().length != 1) {
                throw new IllegalArgumentException("state_dict entry '" + prefix + "num_batches_tracked' must be an int64 scalar");
            }
            numBatchesTracked[0] = e.i64()[0];
        }
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    /** The momentum (weight of the new batch), or NaN when the cumulative average is used. */
    public double momentum() {
        return cumulative ? Double.NaN : momentum;
    }

    public boolean isCumulativeAverage() {
        return cumulative;
    }

    public boolean affine() {
        return affine;
    }

    public boolean trackRunningStats() {
        return track;
    }

    /** gamma, live; null when affine is false (PyTorch: None). */
    public float[] weight() {
        return weight;
    }

    /** beta, live; null when affine is false. */
    public float[] bias() {
        return bias;
    }

    public float[] weightGrad() {
        return weightGrad;
    }

    public float[] biasGrad() {
        return biasGrad;
    }

    /** Live running mean; null when trackRunningStats is false. */
    public float[] runningMean() {
        return runningMean;
    }

    /** Live running (unbiased) variance; null when trackRunningStats is false. */
    public float[] runningVar() {
        return runningVar;
    }

    public long numBatchesTracked() {
        return numBatchesTracked[0];
    }

    /** PyTorch's reset_running_stats(): mean 0, var 1, counter 0. */
    public void resetRunningStats() {
        if (track) {
            Arrays.fill(runningMean, 0f);
            Arrays.fill(runningVar, 1f);
            numBatchesTracked[0] = 0;
        }
    }

    @Override
    public String toString() {
        return "BatchNorm(" + numFeatures + ", eps=" + eps + ", momentum=" + (cumulative ? "None" : momentum)
                + ", affine=" + affine + ", track_running_stats=" + track + ")";
    }

    /** Immutable configuration with PyTorch's defaults. */
    public static final class Builder {
        private final int numFeatures;
        private double eps = 1e-5;
        private double momentum = 0.1;
        private boolean cumulative;
        private boolean affine = true;
        private boolean track = true;

        private Builder(int numFeatures) {
            if (numFeatures < 1) {
                throw new IllegalArgumentException("BatchNorm: numFeatures must be >= 1, got " + numFeatures);
            }
            this.numFeatures = numFeatures;
        }

        /** Added to the variance before the square root; must be > 0 (default 1e-5). */
        public Builder eps(double eps) {
            if (!(eps > 0) || !Double.isFinite(eps)) {
                throw new IllegalArgumentException("BatchNorm(" + numFeatures + "): eps must be a finite number > 0, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        /** Weight of the new batch in the running statistics, in [0, 1] (default 0.1, PyTorch's convention). */
        public Builder momentum(double momentum) {
            if (!(momentum >= 0 && momentum <= 1)) {
                throw new IllegalArgumentException("BatchNorm(" + numFeatures + "): momentum must be in [0, 1] (PyTorch convention: weight of the new batch), got "
                        + momentum);
            }
            this.momentum = momentum;
            this.cumulative = false;
            return this;
        }

        /** PyTorch's momentum=None: running statistics are the plain average over all batches seen. */
        public Builder cumulativeAverage() {
            this.cumulative = true;
            return this;
        }

        public Builder affine(boolean affine) {
            this.affine = affine;
            return this;
        }

        public Builder trackRunningStats(boolean track) {
            this.track = track;
            return this;
        }

        public BatchNorm build() {
            return new BatchNorm(this);
        }
    }
}
