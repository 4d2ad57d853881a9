package org.bnlab.nn;

import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;

/**
 * torch.nn.Dropout (inverted dropout): in training each element is kept with probability 1 - p and
 * scaled by 1/(1 - p), else zeroed; in eval it is the identity. Backward multiplies by the same mask.
 *
 * <p>The mask comes from a counter-based generator: element i of the c-th training forward call keeps
 * iff u(seed, c, i) >= p, where u is a 24-bit uniform from the splitmix64 finalizer applied to
 * (seed, c, i). It depends on nothing else, so it is the same for any thread count and can be
 * replayed: {@link #callCount()} / {@link #setCallCount(long)} save and restore the position for an
 * exact resume (this counter is not part of the PyTorch state_dict, which has no dropout state).
 * The masks are not PyTorch's (torch uses its own generator); only the distribution is the same.
 */
public final class Dropout implements Module {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final float TWO_POW_M24 = 1f / (1 << 24);

    private final double p;
    private final float pF; // compared with the 24-bit uniform
    private long seed;
    private final float scale;
    private long calls;

    private Tensor out;
    private Tensor gradIn;
    private float[] mask; // 0 or 1/(1-p) per element, for backward; unused in eval
    private boolean lastTraining;
    private boolean haveForward;

    private float[] curA;
    private float[] curB;
    private long curKey;
    private final Parallel.RangeTask maskTask = this::maskRange;
    private final Parallel.RangeTask applyTask = this::applyRange;

    /** Dropout with probability {@code p} in [0, 1) and the generator seed. */
    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability has to be in [0, 1), got " + p);
        }
        this.p = p;
        this.pF = (float) p;
        this.seed = seed;
        this.scale = 1f / (float) (1.0 - p); // as torch: noise.div_(1 - p) in float
    }

    public double p() {
        return p;
    }

    public long seed() {
        return seed;
    }

    /** Number of training forward calls so far: the position of the mask stream. */
    public long callCount() {
        return calls;
    }

    /** The mask stream: its seed and position, {@code <prefix>rng_seed} and {@code <prefix>rng_calls} (int64 scalars). */
    @Override
    public void extraState(String prefix, StateDict out) {
        out.put(prefix + "rng_seed", StateDict.Entry.i64(new long[] {seed}));
        out.put(prefix + "rng_calls", StateDict.Entry.i64(new long[] {calls}));
    }

    @Override
    public void loadExtraState(String prefix, StateDict in) {
        long[] v = new long[2];
        String[] names = {"rng_seed", "rng_calls"};
        for (int k = 0; k < 2; k++) {
            StateDict.Entry e = in.require(prefix + names[k]);
            if (e.i64() == null || e.numel() != 1) {
                throw new IllegalArgumentException("Dropout state '" + prefix + names[k] + "' must be an int64 scalar");
            }
            v[k] = e.i64()[0];
        }
        setCallCount(v[1]);
        seed = v[0];
    }

    public void setCallCount(long calls) {
        if (calls < 0) {
            throw new IllegalArgumentException("call count must be >= 0, got " + calls);
        }
        this.calls = calls;
    }

    @Override
    public Tensor forwardBuffered(Tensor x, boolean training) {
        if (out == null || !out.sameShape(x)) {
            out = Tensor.zeros(x.shape());
            gradIn = Tensor.zeros(x.shape());
            mask = new float[x.numel()];
        }
        lastTraining = training;
        haveForward = true;
        if (!training) {
            System.arraycopy(x.data(), 0, out.data(), 0, x.numel());
            return out;
        }
        curKey = mix(seed + GOLDEN * (calls + 1));
        calls++;
        curA = x.data();
        curB = out.data();
        try {
            Parallel.forRange(x.numel(), ElementwiseActivation.GRAIN, maskTask);
        } finally {
            curA = null;
            curB = null;
        }
        return out;
    }

    @Override
    public Tensor backwardBuffered(Tensor gradOutput) {
        if (!haveForward) {
            throw new IllegalStateException("Dropout.backward called before forward");
        }
        if (!out.sameShape(gradOutput)) {
            throw new IllegalArgumentException("Dropout.backward: gradient shape " + gradOutput
                    + " differs from the output shape " + out);
        }
        if (!lastTraining) {
            System.arraycopy(gradOutput.data(), 0, gradIn.data(), 0, gradIn.numel());
            return gradIn;
        }
        curA = gradOutput.data();
        curB = gradIn.data();
        try {
            Parallel.forRange(gradIn.numel(), ElementwiseActivation.GRAIN, applyTask);
        } finally {
            curA = null;
            curB = null;
        }
        return gradIn;
    }

    // y[i] = x[i] * m[i], m[i] = (u(key, i) >= p) ? 1/(1-p) : 0
    private void maskRange(int from, int to) {
        float[] x = curA;
        float[] y = curB;
        float[] m = mask;
        long key = curKey;
        for (int i = from; i < to; i++) {
            float u = (mix(key + GOLDEN * (i + 1L)) >>> 40) * TWO_POW_M24;
            float mi = u >= pF ? scale : 0f;
            m[i] = mi;
            y[i] = x[i] * mi;
        }
    }

    // dx[i] = dy[i] * m[i]
    private void applyRange(int from, int to) {
        float[] dy = curA;
        float[] dx = curB;
        float[] m = mask;
        for (int i = from; i < to; i++) {
            dx[i] = dy[i] * m[i];
        }
    }

    /** The splitmix64 finalizer: a bijective 64-bit mix with good avalanche. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
