package org.bnlab.testing;

/**
 * The Java twin of the input generator in {@code tools/golden/gen_bn_golden.py}: golden files store
 * seeds instead of inputs, and this class rebuilds the inputs bit for bit.
 *
 * <p>Counter-based splitmix64: the i-th output (i >= 0) of the generator started at {@code seed} is
 * {@code mix(seed + (i + 1) * 0x9E3779B97F4A7C15)}. A float in [-1, 1) takes the top 24 bits,
 * {@code ((z >>> 40) - 2^23) * 2^-23}, which is exact in float32, so both languages agree exactly.
 * Every derived value uses float32 operations with one rounding each (Java never fuses
 * multiply-add, numpy does not either), so the two generators also agree after scaling.
 */
public final class GoldenRandom {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private GoldenRandom() {
    }

    /** The i-th splitmix64 output of the stream started at {@code seed}. */
    public static long splitmix64(long seed, long i) {
        long z = seed + (i + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@code n} floats in [-1, 1). */
    public static float[] uniform(long seed, int n) {
        float[] u = new float[n];
        for (int i = 0; i < n; i++) {
            u[i] = ((int) (splitmix64(seed, i) >>> 40) - (1 << 23)) * 0x1p-23f;
        }
        return u;
    }

    /** A sub-seed: the first output of the stream started at {@code seed ^ salt}. */
    public static long derive(long seed, long salt) {
        return splitmix64(seed ^ salt, 0);
    }

    /**
     * An input of shape [N, C, ...]: channel c has mean {@code 5 u'_c} in [-5, 5) and std
     * {@code 0.1 + 1.45 (u''_c + 1)} in [0.1, 3), so channels differ in both.
     */
    public static float[] input(long seed, int... shape) {
        return input(seed, 1f, 0f, shape);
    }

    /** {@code offset + scale * input(seed, shape)}, elementwise in float32: badly conditioned inputs. */
    public static float[] input(long seed, float scale, float offset, int... shape) {
        int n = shape[0];
        int c = shape[1];
        int inner = 1;
        for (int d = 2; d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] p = uniform(derive(seed, 1), 2 * c);
        float[] u = uniform(seed, n * c * inner);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                float mean = 5.0f * p[ch];
                float std = 0.1f + 1.45f * (p[c + ch] + 1.0f);
                int base = (b * c + ch) * inner;
                for (int k = 0; k < inner; k++) {
                    u[base + k] = offset + scale * (mean + std * u[base + k]);
                }
            }
        }
        return u;
    }

    /** An upstream gradient: plain uniform values in [-1, 1). */
    public static float[] grad(long seed, int numel) {
        return uniform(seed, numel);
    }

    /** BN weight (gamma) in [-0.5, 1.5). */
    public static float[] gamma(long seed, int c) {
        float[] u = uniform(derive(seed, 2), c);
        for (int i = 0; i < c; i++) {
            u[i] = 0.5f + u[i];
        }
        return u;
    }

    /** BN bias (beta) in [-2, 2). */
    public static float[] beta(long seed, int c) {
        float[] u = uniform(derive(seed, 3), c);
        for (int i = 0; i < c; i++) {
            u[i] = 2.0f * u[i];
        }
        return u;
    }

    /** {@code sum_i bits(a_i) * (2i + 1)} mod 2^64, bits read as unsigned: proves two arrays are bit-identical. */
    public static long checksum(float[] a) {
        long s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (Float.floatToRawIntBits(a[i]) & 0xFFFFFFFFL) * (2L * i + 1);
        }
        return s;
    }
}
