package org.bnlab.nn.norm;

import java.util.Arrays;
import org.bnlab.nn.StateDict;

/**
 * BatchNorm's running statistics, for the layers of this package that keep them: runningMean,
 * runningVar (unbiased), numBatchesTracked, with PyTorch's update and state_dict names.
 *
 * <pre>
 *   numBatchesTracked += 1
 *   f = momentum (weight of the NEW batch), or 1/numBatchesTracked for the cumulative average
 *   runningMean = (1 - f) * runningMean + f * mean
 *   runningVar  = (1 - f) * runningVar  + f * var * m/(m - 1)      (var biased over m values)
 * </pre>
 */
final class RunningStats {
    final int channels;
    final float[] mean;
    final float[] var;
    final long[] numBatchesTracked = new long[1];
    private final double momentum;
    private final boolean cumulative;

    RunningStats(int channels, double momentum, boolean cumulative) {
        this.channels = channels;
        this.momentum = momentum;
        this.cumulative = cumulative;
        mean = new float[channels];
        var = new float[channels];
        Arrays.fill(var, 1f);
    }

    /** Folds one batch of m values per channel in ({@link BatchNormOp#updateRunningStats}), counting it. */
    void update(double[] batchMean, double[] batchVar, long m) {
        numBatchesTracked[0]++;
        double f = cumulative ? 1.0 / numBatchesTracked[0] : momentum;
        BatchNormOp.updateRunningStats(mean, var, f, batchMean, batchVar, m);
    }

    /** The momentum, or NaN for the cumulative average. */
    double momentum() {
        return cumulative ? Double.NaN : momentum;
    }

    boolean cumulative() {
        return cumulative;
    }

    void reset() {
        Arrays.fill(mean, 0f);
        Arrays.fill(var, 1f);
        numBatchesTracked[0] = 0;
    }

    void stateDict(String prefix, StateDict out) {
        out.put(prefix + "running_mean", StateDict.Entry.f32(mean, channels));
        out.put(prefix + "running_var", StateDict.Entry.f32(var, channels));
        out.put(prefix + "num_batches_tracked", StateDict.Entry.i64(numBatchesTracked));
    }

    void loadStateDict(String prefix, StateDict in) {
        in.copyInto(prefix + "running_mean", mean, channels);
        in.copyInto(prefix + "running_var", var, channels);
        StateDict.Entry e = in.require(prefix + "num_batches_tracked");
        if (e.i64() == null || e.i64().length != 1) {
            throw new IllegalArgumentException("state_dict entry '" + prefix + "num_batches_tracked' must be an int64 scalar");
        }
        numBatchesTracked[0] = e.i64()[0];
    }
}
