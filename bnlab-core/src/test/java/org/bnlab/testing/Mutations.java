package org.bnlab.testing;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Mutations of a valid file for the fuzzers: bit flips, truncation, huge or negative integers written
 * over the bytes (lengths, sizes, offsets), inserted and deleted bytes. Positions are fractions of the
 * current length, so a list of mutations applies to whatever the earlier ones left.
 */
public final class Mutations {

    /** One edit; {@code where} in [0, 1) picks the position, {@code value} the bits or the number written. */
    public record Mutation(Kind kind, double where, long value) {
        byte[] apply(byte[] b) {
            int p = (int) (where * b.length);
            switch (kind) {
                case FLIP_BIT -> {
                    if (b.length > 0) {
                        b = b.clone();
                        b[p] ^= (byte) (1 << (value & 7));
                    }
                    return b;
                }
                case TRUNCATE -> {
                    return Arrays.copyOf(b, p);
                }
                case INT_BIG_ENDIAN, LONG_LITTLE_ENDIAN -> {
                    int n = kind == Kind.INT_BIG_ENDIAN ? 4 : 8;
                    b = b.clone();
                    for (int i = 0; i < n && p + i < b.length; i++) {
                        int shift = kind == Kind.INT_BIG_ENDIAN ? 8 * (n - 1 - i) : 8 * i;
                        b[p + i] = (byte) (value >>> shift);
                    }
                    return b;
                }
                case INSERT -> {
                    byte[] extra = new byte[1 + (int) Math.floorMod(value, 16L)];
                    new SplittableRandom(value).nextBytes(extra);
                    byte[] out = new byte[b.length + extra.length];
                    System.arraycopy(b, 0, out, 0, p);
                    System.arraycopy(extra, 0, out, p, extra.length);
                    System.arraycopy(b, p, out, p + extra.length, b.length - p);
                    return out;
                }
                case DELETE -> {
                    int n = Math.min(b.length - p, 1 + (int) Math.floorMod(value, 16L));
                    byte[] out = new byte[b.length - n];
                    System.arraycopy(b, 0, out, 0, p);
                    System.arraycopy(b, p + n, out, p, b.length - p - n);
                    return out;
                }
                default -> throw new IllegalStateException(kind.toString());
            }
        }
    }

    public enum Kind { FLIP_BIT, TRUNCATE, INT_BIG_ENDIAN, LONG_LITTLE_ENDIAN, INSERT, DELETE }

    private Mutations() {
    }

    /** Interesting numbers (limits, powers of two, negatives) half of the time, any long otherwise. */
    public static Arbitrary<Long> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, -1L, 255L, 65536L, 1L << 20, 1_500_000L, Integer.MAX_VALUE - 8L, (long) Integer.MAX_VALUE,
                        1L << 31, 1L << 32, (long) Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_001L),
                Arbitraries.longs());
    }

    public static Arbitrary<Mutation> mutation() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.doubles().between(0, 1).ofScale(6)
                        .filter(d -> d < 1), numbers()).as(Mutation::new);
    }

    /** One to four mutations. */
    public static Arbitrary<List<Mutation>> lists() {
        return mutation().list().ofMinSize(1).ofMaxSize(4);
    }

    public static byte[] apply(byte[] valid, List<Mutation> ms) {
        byte[] b = valid;
        for (Mutation m : ms) {
            b = m.apply(b);
        }
        return b;
    }
}
