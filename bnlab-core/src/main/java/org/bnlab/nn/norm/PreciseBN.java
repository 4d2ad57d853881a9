package org.bnlab.nn.norm;

import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;

/**
 * Precise BN (fvcore's update_bn_stats; Wu &amp; Johnson 2021, "Rethinking Batch in BatchNorm"):
 * replaces the running statistics of every batch-normalization layer by a TRUE average over K
 * batches, the population statistics of the paper's Algorithm 2, instead of the exponential moving
 * average accumulated during training (dominated by the last few batches, and computed while the
 * weights were still moving).
 *
 * <pre>
 *   for each of K batches: forward; each BN layer records the statistics of its input batch
 *   runningMean = (1/G) sum_g mean_g
 *   runningVar  = (1/G) sum_g var_g * m_g/(m_g - 1)        (unbiased, as PyTorch's running_var)
 * </pre>
 * G is the number of statistic batches a layer saw: K for BatchNorm and BatchRenorm, K times the
 * ghost batches per batch for GhostBatchNorm (each ghost batch is one batch of its statistics).
 * Every batch weighs the same, as in fvcore, whatever its size. Sums are in double.
 *
 * <p>What runs and what is left alone:
 * <ul>
 *   <li>The model is walked through {@link Sequential}; the BN layers with running statistics
 *       (BatchNorm, BatchRenorm, GhostBatchNorm) run in training mode, so that each normalizes with
 *       its batch statistics as during training and the layers after it see training-mode inputs;
 *       every other layer runs in eval mode, so Dropout is the identity and its random stream does
 *       not advance (fvcore runs the whole model in training mode, dropout included).</li>
 *   <li>After each batch every BN layer's state (running statistics, numBatchesTracked) is restored,
 *       so each batch sees the same model and BatchRenorm's r and d and schedule step are those of
 *       the model as given; at the end only runningMean and runningVar change. numBatchesTracked is
 *       kept (fvcore's leaves it advanced by K). Parameters are never written.</li>
 *   <li>Every layer's forward cache is overwritten, as by any forward: do not call backward with a
 *       gradient from before.</li>
 *   <li>Failures (a bad batch, a NaN, the batches running out before K) leave every running
 *       statistic as it was and raise an IllegalArgumentException.</li>
 *   <li>FrozenBatchNorm layers are not updated (frozen is frozen); other module types are leaves.</li>
 * </ul>
 */
public final class PreciseBN {
    private PreciseBN() {}

    /** {@link #update(Module, Iterator, int)} over {@code batches.iterator()}. */
    public static int update(Module model, Iterable<Tensor> batches, int numBatches) {
        if (batches == null) {
            throw new IllegalArgumentException("PreciseBN.update: batches is null");
        }
        return update(model, batches.iterator(), numBatches);
    }

    /**
     * Recomputes the population statistics of every BN layer of {@code model} from the next
     * {@code numBatches} input batches of {@code batches}. Returns the number of layers updated
     * (0, and no batch read, for a model without BN layers with running statistics).
     */
    public static int update(Module model, Iterator<Tensor> batches, int numBatches) {
        if (model == null || batches == null) {
            throw new IllegalArgumentException("PreciseBN.update: model and batches must not be null");
        }
        if (numBatches < 1) {
            throw new IllegalArgumentException("PreciseBN.update: numBatches must be >= 1, got " + numBatches);
        }
        Map<Module, Target> targets = new IdentityHashMap<>();
        collect(model, targets);
        if (targets.isEmpty()) {
            return 0;
        }
        for (int k = 0; k < numBatches; k++) {
            if (!batches.hasNext()) {
                throw new IllegalArgumentException("PreciseBN.update: the batches ran out after " + k + " of " + numBatches
                        + "; the running statistics are unchanged");
            }
            Tensor x = batches.next();
            if (x == null) {
                throw new IllegalArgumentException("PreciseBN.update: batch " + k + " is null");
            }
            try {
                walk(model, x, targets);
            } finally {
                for (Target t : targets.values()) {
                    t.restore();
                }
            }
        }
        for (Target t : targets.values()) {
            if (t.count == 0) {
                throw new IllegalArgumentException("PreciseBN.update: no non-empty batch reached " + t.layer
                        + "; the running statistics are unchanged");
            }
        }
        for (Target t : targets.values()) {
            t.setAverage();
        }
        return targets.size();
    }

    private static void collect(Module m, Map<Module, Target> targets) {
        if (m instanceof Sequential seq) {
            for (Module child : seq.modules()) {
                collect(child, targets);
            }
        } else if (m instanceof NormLayer bn && !(m instanceof FrozenBatchNorm) && bn.trackRunningStats()) {
            // BatchNorm, BatchRenorm: one statistics batch per batch; GhostBatchNorm: one per ghost batch
            targets.put(m, new Target(bn, m instanceof GhostBatchNorm g ? g.virtualBatchSize() : Integer.MAX_VALUE));
        }
    }

    private static Tensor walk(Module m, Tensor h, Map<Module, Target> targets) {
        if (m instanceof Sequential seq) {
            for (Module child : seq.modules()) {
                h = walk(child, h, targets);
            }
            return h;
        }
        Target t = targets.get(m);
        if (t == null) {
            return m.forwardBuffered(h, false);
        }
        Tensor out = m.forwardBuffered(h, true); // checks h (shape, NaN) before its statistics are read
        t.accumulate(h);
        return out;
    }

    /** One BN layer: its live running arrays, a copy of its state, and the sums of batch statistics. */
    private static final class Target {
        final Module layer;
        final float[] runningMean;
        final float[] runningVar;
        final int groupSize;
        final StateDict saved = new StateDict();
        final double eps;
        final BatchNormOp.Saved stats;
        final double[] sumMean;
        final double[] sumVar;
        long count;

        Target(NormLayer layer, int groupSize) {
            int channels = layer.numFeatures();
            this.layer = layer;
            this.runningMean = layer.runningMean();
            this.runningVar = layer.runningVar();
            this.groupSize = groupSize;
            this.eps = layer.eps();
            this.stats = new BatchNormOp.Saved(channels);
            this.sumMean = new double[channels];
            this.sumVar = new double[channels];
            StateDict live = new StateDict();
            layer.stateDict("", live);
            for (Map.Entry<String, StateDict.Entry> e : live.entries().entrySet()) {
                StateDict.Entry v = e.getValue();
                saved.put(e.getKey(), v.f32() != null ? StateDict.Entry.f32(v.f32().clone(), v.shape())
                        : StateDict.Entry.i64(v.i64().clone(), v.shape()));
            }
        }

        /** Statistics of the layer's input h, per group of groupSize samples (the whole batch for BN). */
        void accumulate(Tensor h) {
            int n = h.size(0);
            int s = NormLayer.spatial(h);
            int c = sumMean.length;
            for (int n0 = 0; n0 < n; n0 += groupSize) {
                int ng = Math.min(groupSize, n - n0);
                long m = (long) ng * s;
                BatchNormOp.batchStatistics(stats, h.data(), n0 * c * s, ng, s, eps); // finite: the layer's forward checked h
                for (int ch = 0; ch < c; ch++) {
                    sumMean[ch] += stats.mean[ch];
                    sumVar[ch] += stats.var[ch] * m / (m - 1);
                }
                count++;
            }
        }

        void restore() {
            layer.loadStateDict("", saved);
        }

        void setAverage() {
            for (int ch = 0; ch < sumMean.length; ch++) {
                runningMean[ch] = (float) (sumMean[ch] / count);
                runningVar[ch] = (float) Math.min(sumVar[ch] / count, Float.MAX_VALUE);
            }
        }
    }
}
