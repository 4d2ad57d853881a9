package org.bnlab.data;

import java.util.Arrays;

/**
 * A non-i.i.d. {@link SampleOrder}: every mini-batch of B samples holds B/2 samples of one class and
 * B/2 of another, the setting in which Ioffe (2017, Batch Renormalization, section 4.3) shows
 * BatchNorm's training and inference diverging.
 *
 * <p>Epoch e, with a {@link SplitMix64} seeded by {@code SampleOrder.epochSeed(seed, e)}: each class's
 * samples are shuffled and cut into chunks of B/2 (the remainder, fewer than B/2 per class, is set
 * aside); the chunks are shuffled; then, in that order, each chunk not yet used is paired with the
 * next unused chunk of a different class, and the pair forms one batch. Chunks left without a partner
 * (when only one class has chunks left) join the remainders, which end the epoch in shuffled order, so
 * the last few batches of an epoch mix classes (on mnist-sample with B = 60, 3 of 133). The
 * permutation depends only on the labels, B, the seed and the epoch. Each epoch allocates its
 * scratch arrays (a few times the split's size).
 */
public final class ClassPairOrder implements SampleOrder {
    private final int[] labels;
    private final int classes;
    private final int half;
    private final long seed;
    private final SplitMix64 rng = new SplitMix64(0);

    /** For {@code split}'s labels, batches of {@code batchSize} (even, >= 2), seeded by {@code seed}. */
    public ClassPairOrder(Split split, int batchSize, long seed) {
        if (batchSize < 2 || batchSize % 2 != 0) {
            throw new IllegalArgumentException("ClassPairOrder: the batch size must be even and >= 2 (half from each class), got "
                    + batchSize);
        }
        this.labels = split.labels().clone();
        this.classes = Arrays.stream(labels).max().orElse(0) + 1;
        this.half = batchSize / 2;
        this.seed = seed;
    }

    @Override
    public void fill(int epoch, int[] order) {
        if (order.length != labels.length) {
            throw new IllegalArgumentException("ClassPairOrder: the order has " + order.length + " entries, the split "
                    + labels.length + " samples");
        }
        rng.setSeed(SampleOrder.epochSeed(seed, epoch));
        // samples grouped by class (a counting sort keeps split order within a class), then shuffled per class
        int[] start = new int[classes + 1];
        for (int y : labels) {
            start[y + 1]++;
        }
        for (int c = 0; c < classes; c++) {
            start[c + 1] += start[c];
        }
        int[] byClass = new int[labels.length];
        int[] next = start.clone();
        for (int i = 0; i < labels.length; i++) {
            byClass[next[labels[i]]++] = i;
        }
        int chunks = 0;
        for (int c = 0; c < classes; c++) {
            SampleOrder.shuffle(byClass, start[c], start[c + 1], rng);
            chunks += (start[c + 1] - start[c]) / half;
        }
        // chunk k: its first sample's position in byClass, and its class
        int[] chunkAt = new int[chunks];
        int[] chunkClass = new int[chunks];
        int k = 0;
        for (int c = 0; c < classes; c++) {
            for (int p = start[c]; p + half <= start[c + 1]; p += half) {
                chunkAt[k] = p;
                chunkClass[k++] = c;
            }
        }
        int[] perm = new int[chunks];
        for (int i = 0; i < chunks; i++) {
            perm[i] = i;
        }
        SampleOrder.shuffle(perm, 0, chunks, rng);
        boolean[] used = new boolean[chunks];
        boolean[] placed = new boolean[labels.length];
        int out = 0;
        for (int i = 0; i < chunks; i++) {
            if (used[perm[i]]) {
                continue;
            }
            int partner = -1;
            for (int j = i + 1; j < chunks && partner < 0; j++) {
                if (!used[perm[j]] && chunkClass[perm[j]] != chunkClass[perm[i]]) {
                    partner = j;
                }
            }
            if (partner < 0) {
                continue; // only this class has chunks left: they join the remainder
            }
            for (int chunk : new int[] {perm[i], perm[partner]}) {
                used[chunk] = true;
                for (int p = chunkAt[chunk]; p < chunkAt[chunk] + half; p++) {
                    order[out++] = byClass[p];
                    placed[byClass[p]] = true;
                }
            }
        }
        int restFrom = out;
        for (int i = 0; i < labels.length; i++) {
            if (!placed[i]) {
                order[out++] = i;
            }
        }
        SampleOrder.shuffle(order, restFrom, out, rng);
    }
}
