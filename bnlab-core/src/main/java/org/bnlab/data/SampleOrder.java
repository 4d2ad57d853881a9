package org.bnlab.data;

/**
 * The order in which a {@link BatchIterator} visits a split's samples in one epoch: a permutation of
 * 0..n-1 that depends only on the epoch number (and the order's own settings), so any epoch can be
 * produced directly and a resumed run sees the same batches as an uninterrupted one.
 */
@FunctionalInterface
public interface SampleOrder {

    /** Fills {@code order} (length n, the split's size) with the permutation for epoch {@code epoch}. */
    void fill(int epoch, int[] order);

    /**
     * The i.i.d. shuffle: the identity shuffled by Fisher-Yates (i from n-1 down to 1, swap i with a
     * uniform j in [0, i]) driven by {@link SplitMix64} seeded with {@code mix64(mix64(seed) + epoch)}.
     * Not thread-safe (it keeps its generator); give each iterator its own.
     */
    static SampleOrder shuffled(long seed) {
        SplitMix64 rng = new SplitMix64(0);
        return (epoch, order) -> {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            rng.setSeed(epochSeed(seed, epoch));
            shuffle(order, 0, order.length, rng);
        };
    }

    /** The generator seed of {@code epoch} for an order seeded with {@code seed}. */
    static long epochSeed(long seed, int epoch) {
        return SplitMix64.mix64(SplitMix64.mix64(seed) + epoch);
    }

    /** Fisher-Yates on {@code a[from, to)}. */
    static void shuffle(int[] a, int from, int to, SplitMix64 rng) {
        for (int i = to - 1; i > from; i--) {
            int j = from + rng.nextInt(i - from + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
