package org.bnlab.lab;

import java.util.SplittableRandom;
import org.bnlab.data.SplitMix64;
import org.bnlab.nn.Module;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Tensor;

/**
 * Santurkar et al.'s "noisy BN" (arXiv 1805.11604, section 2.1), placed after a BatchNorm: in
 * training, y' = y * s + m per unit, with s and m redrawn at every training forward t:
 * s_u ~ U(0.5, 1.5) * scale_t and m_u ~ N(mu_t, 0.5^2), where the distribution itself drifts:
 * scale_t = 1 + 0.5 sin(2 pi t / 1000), mu_t = 0.5 + 0.5 sin(2 pi t / 1500). The layer inputs are thus
 * never zero-mean, never unit-variance, and change distribution at every step.
 *
 * <p>Eval mode applies the noise's expectation at the current t (y * scale_t + mu_t), deterministically.
 * The noise is a function of (seed, t) only; t is kept in the state_dict ("calls") so that a
 * {@link Snapshot} restores it and a re-run of a step sees the same noise. Backward: dx = dy * s.
 */
public final class NoisyShift implements Module {
    static final double SCALE_PERIOD = 1000;
    static final double MEAN_PERIOD = 1500;
    static final double MEAN_STD = 0.5;

    private final long seed;
    private final long[] calls = {0};
    private float[] s = new float[0];
    private float[] m = new float[0];
    private Tensor out;
    private Tensor gradIn;

    public NoisyShift(long seed) {
        this.seed = SplitMix64.mix64(seed);
    }

    static double scale(long t) {
        return 1 + 0.5 * Math.sin(2 * Math.PI * t / SCALE_PERIOD);
    }

    static double mean(long t) {
        return 0.5 + 0.5 * Math.sin(2 * Math.PI * t / MEAN_PERIOD);
    }

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        if (x.dim() != 2) {
            throw new IllegalArgumentException("NoisyShift expects [N, C] input, got " + x);
        }
        int n = x.size(0);
        int c = x.size(1);
        if (out == null || !x.sameShape(out.shape())) {
            out = Tensor.zeros(n, c);
            gradIn = Tensor.zeros(n, c);
            s = new float[c];
            m = new float[c];
        }
        long t = calls[0];
        double sc = scale(t);
        double mu = mean(t);
        if (training) {
            SplittableRandom r = new SplittableRandom(seed ^ SplitMix64.mix64(t + 1));
            for (int u = 0; u < c; u++) {
                s[u] = (float) ((0.5 + r.nextDouble()) * sc);
                m[u] = (float) (mu + MEAN_STD * r.nextGaussian());
            }
            calls[0]++;
        } else {
            java.util.Arrays.fill(s, (float) sc);
            java.util.Arrays.fill(m, (float) mu);
        }
        float[] xd = x.data();
        float[] y = out.data();
        // y[i, u] = x[i, u] * s[u] + m[u]
        for (int i = 0; i < n; i++) {
            int o = i * c;
            for (int u = 0; u < c; u++) {
                y[o + u] = xd[o + u] * s[u] + m[u];
            }
        }
        return out;
    }

    @Override
    public Tensor backwardBuffered(Tensor dy) {
        if (out == null || !dy.sameShape(out.shape())) {
            throw new IllegalArgumentException("NoisyShift.backward: gradient " + dy + " does not match the last forward");
        }
        int c = out.size(1);
        float[] g = dy.data();
        float[] dx = gradIn.data();
        // dx[i, u] = dy[i, u] * s[u]
        for (int k = 0; k < g.length; k++) {
            dx[k] = g[k] * s[k % c];
        }
        return gradIn;
    }

    @Override
    public void stateDict(String prefix, StateDict outState) {
        outState.put(prefix + "calls", StateDict.Entry.i64(calls));
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        StateDict.Entry e = in.require(prefix + "calls");
        if (e.i64() == null || e.i64().length != 1) {
            throw new IllegalArgumentException("state_dict entry '" + prefix + "calls' must be an int64 scalar");
        }
        calls[0] = e.i64()[0];
    }

    @Override
    public String toString() {
        return "NoisyShift()";
    }
}
