package org.bnlab.data;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
 * a 64-bit counter advanced by the golden-ratio increment, passed through a bit mixer.
 *
 * <p>bnlab implements it rather than using {@link java.util.SplittableRandom} so that shuffles are
 * specified here, byte for byte, and cannot change with the JDK version. Mutable and reseedable, so a
 * long-lived owner never allocates.
 */
public final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long BOUND31 = 1L << 31;

    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    public void setSeed(long seed) {
        this.state = seed;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /**
     * A uniform int in {@code [0, bound)}, for {@code 1 <= bound <= 2^31 - 1}: the top 31 bits of
     * {@link #nextLong()}, redrawn while they fall in the incomplete last block of {@code bound}
     * values, so there is no modulo bias.
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long limit = BOUND31 - BOUND31 % bound;
        long r;
        do {
            r = nextLong() >>> 33;
        } while (r >= limit);
        return (int) (r % bound);
    }

    /** SplitMix64's finalizer (a variant of MurmurHash3's fmix64): a bijection on 64-bit values. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
