package org.bnlab.data;

import org.bnlab.tensor.Tensor;

/**
 * Mini-batches of a {@link Split}, written into preallocated buffers: a training loop calls
 * {@link #next()} and reads {@link #images()} and {@link #labels()}, and no call allocates.
 *
 * <h2>Order</h2>
 * With shuffling, epoch {@code e} visits the samples in a permutation that depends only on
 * {@code (seed, e)}: {@link SampleOrder#shuffled(long)}, the identity permutation shuffled by
 * Fisher-Yates driven by {@link SplitMix64} seeded with {@code mix64(mix64(seed) + e)}. Every epoch
 * starts again from the identity, so any epoch can be produced directly, and nothing depends on the
 * thread count. {@link Builder#order(SampleOrder)} sets another order with the same property (e.g.
 * {@link ClassPairOrder}'s non-i.i.d. batches). Without either, samples come in split order.
 *
 * <h2>Batches and epochs</h2>
 * {@link #next()} loads the batch at the current {@link #position()} and advances it; after the last
 * batch of epoch {@code e} the position becomes (e+1, 0), so a step-based loop just calls {@code next()}
 * once per step and an epoch-based loop calls it {@link #batchesPerEpoch()} times. With
 * {@code dropLast} the incomplete last batch of an epoch (n mod B samples) is skipped, so every batch
 * has exactly B samples, as in the paper's fixed batch size (and PyTorch's {@code drop_last=True}).
 * Without it that batch is delivered with fewer rows: {@link #images()} and {@link #labels()} are then
 * a second preallocated tensor and array of the short length.
 *
 * <h2>Resuming</h2>
 * The whole state is {@link #position()} = (epoch, batch index within the epoch); {@link #seek(Position)}
 * or {@link #seek(long)} with a global step restores it exactly, and the batches that follow equal
 * those of an uninterrupted run with the same split, batch size, seed and options.
 *
 * <p>Rows are copied on the calling thread: a batch of 60 MNIST images is 47,040 floats, a few
 * microseconds, well below what a thread hand-off would pay back.
 */
public final class BatchIterator {

    /** The shape of {@link #images()}. */
    public enum Layout {
        /** [B, channels*rows*cols], for fully connected networks. */
        FLAT,
        /** [B, channels, rows, cols], channels-first for convolutional networks. */
        IMAGE
    }

    /**
     * Where the iterator stands: the next {@link #next()} loads batch {@code batch} of epoch {@code epoch}.
     */
    public record Position(int epoch, int batch) {
        public Position {
            if (epoch < 0 || batch < 0) {
                throw new IllegalArgumentException("Position: epoch and batch must be >= 0, got (" + epoch + ", " + batch + ")");
            }
        }
    }

    private final Split split;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Layout layout;
    private final int batchesPerEpoch;

    /** The epoch's permutation, or null for split order. */
    private final SampleOrder sampleOrder;
    /** Sample order of {@link #orderEpoch}; null in split order. */
    private final int[] order;
    /** Scratch of the permutation check of a caller's order; null for the built-in shuffle. */
    private final boolean[] seen;
    private int orderEpoch = -1;

    private final Tensor fullImages;
    private final int[] fullLabels;
    /** The short last batch when !dropLast and n % B != 0; else null. */
    private final Tensor tailImages;
    private final int[] tailLabels;

    private Tensor currentImages;
    private int[] currentLabels;
    private int epoch;
    private int batch;

    private BatchIterator(Builder b) {
        this.split = b.split;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.sampleOrder = b.order != null ? b.order : shuffle ? SampleOrder.shuffled(seed) : null;
        this.dropLast = b.dropLast;
        this.layout = b.layout;
        int n = split.size();
        int tail = n % batchSize;
        this.batchesPerEpoch = n / batchSize + (dropLast || tail == 0 ? 0 : 1);
        if (batchesPerEpoch == 0) {
            throw new IllegalArgumentException("BatchIterator: a split of " + n + " samples has no "
                    + (dropLast ? "full " : "") + "batch of " + batchSize
                    + (dropLast && n > 0 ? "; use a smaller batch or dropLast(false)" : ""));
        }
        this.order = sampleOrder != null ? new int[n] : null;
        this.seen = b.order != null ? new boolean[n] : null;
        this.fullImages = Tensor.zeros(shape(batchSize));
        this.fullLabels = new int[batchSize];
        boolean hasTail = !dropLast && tail != 0;
        this.tailImages = hasTail ? Tensor.zeros(shape(tail)) : null;
        this.tailLabels = hasTail ? new int[tail] : null;
        this.currentImages = fullImages;
        this.currentLabels = fullLabels;
    }

    private int[] shape(int rowsInBatch) {
        return layout == Layout.FLAT
                ? new int[] {rowsInBatch, split.features()}
                : new int[] {rowsInBatch, split.channels(), split.rows(), split.cols()};
    }

    /** A builder with PyTorch DataLoader's defaults: no shuffling, keep the last batch, {@link Layout#FLAT}. */
    public static Builder builder(Split split, int batchSize) {
        return new Builder(split, batchSize);
    }

    /** Training iteration: shuffled per epoch from {@code seed}, incomplete last batch dropped, flat layout. */
    public static BatchIterator training(Split split, int batchSize, long seed) {
        return builder(split, batchSize).shuffle(seed).dropLast(true).build();
    }

    /** Evaluation iteration: split order, last partial batch included, flat layout. */
    public static BatchIterator evaluation(Split split, int batchSize) {
        return builder(split, batchSize).build();
    }

    /** Loads the batch at {@link #position()} into {@link #images()} / {@link #labels()} and advances. */
    public void next() {
        int start = batch * batchSize;
        int rows = Math.min(batchSize, split.size() - start);
        if (order != null && orderEpoch != epoch) {
            loadOrder(epoch);
        }
        currentImages = rows == batchSize ? fullImages : tailImages;
        currentLabels = rows == batchSize ? fullLabels : tailLabels;
        float[] src = split.images();
        float[] dst = currentImages.data();
        int[] labels = split.labels();
        int f = split.features();
        for (int r = 0; r < rows; r++) {
            int i = order != null ? order[start + r] : start + r;
            System.arraycopy(src, i * f, dst, r * f, f);
            currentLabels[r] = labels[i];
        }
        if (++batch == batchesPerEpoch) {
            batch = 0;
            epoch++;
        }
    }

    /** The order's permutation for epoch e; a caller's is checked to be one (else it would repeat or skip samples). */
    private void loadOrder(int e) {
        sampleOrder.fill(e, order);
        if (seen == null) {
            orderEpoch = e;
            return;
        }
        java.util.Arrays.fill(seen, false);
        for (int i : order) {
            if (i < 0 || i >= order.length || seen[i]) {
                throw new IllegalStateException("BatchIterator: the sample order of epoch " + e + " is not a permutation of 0.."
                        + (order.length - 1) + " (sample " + i + ")");
            }
            seen[i] = true;
        }
        orderEpoch = e;
    }

    /**
     * The images of the batch last loaded by {@link #next()}: a live tensor [B, C*rows*cols] or
     * [B, C, rows, cols], overwritten by the next call. B is the batch size, or the short last
     * batch's size when that batch is kept.
     */
    public Tensor images() {
        return currentImages;
    }

    /** The labels of the batch last loaded, a live array of length B, overwritten by the next call. */
    public int[] labels() {
        return currentLabels;
    }

    /** The position of the next batch {@link #next()} will load. */
    public Position position() {
        return new Position(epoch, batch);
    }

    /** Global step of the next batch: {@code epoch * batchesPerEpoch() + batch}. */
    public long step() {
        return (long) epoch * batchesPerEpoch + batch;
    }

    /** Positions the iterator so that the next {@link #next()} loads the batch at {@code p}. */
    public void seek(Position p) {
        if (p.batch() >= batchesPerEpoch) {
            throw new IllegalArgumentException("Position batch " + p.batch() + " is past the " + batchesPerEpoch
                    + " batches of an epoch");
        }
        epoch = p.epoch();
        batch = p.batch();
    }

    /** Positions the iterator at global step {@code step} (counting batches from epoch 0, batch 0). */
    public void seek(long step) {
        if (step < 0 || step / batchesPerEpoch > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("step " + step + " is out of range");
        }
        seek(new Position((int) (step / batchesPerEpoch), (int) (step % batchesPerEpoch)));
    }

    /** Batches per epoch: {@code floor(n / B)} with dropLast, {@code ceil(n / B)} without. */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    public int batchSize() {
        return batchSize;
    }

    public Split split() {
        return split;
    }

    public boolean shuffles() {
        return shuffle;
    }

    public long seed() {
        return seed;
    }

    public boolean dropsLast() {
        return dropLast;
    }

    public Layout layout() {
        return layout;
    }

    /** Configuration of a {@link BatchIterator}. */
    public static final class Builder {
        private final Split split;
        private final int batchSize;
        private boolean shuffle;
        private long seed;
        private SampleOrder order;
        private boolean dropLast;
        private Layout layout = Layout.FLAT;

        private Builder(Split split, int batchSize) {
            if (split == null) {
                throw new IllegalArgumentException("BatchIterator: split is null");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("BatchIterator: batch size must be positive, got " + batchSize);
            }
            this.split = split;
            this.batchSize = batchSize;
        }

        /** Shuffle every epoch, deterministically from {@code seed}. */
        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /**
         * Visit each epoch in {@code order}'s permutation, which must be a pure function of the epoch
         * (see {@link SampleOrder}); it is checked to be a permutation. It takes precedence over
         * {@link #shuffle(long)}, whose seed is then only recorded ({@link #seed()}).
         */
        public Builder order(SampleOrder order) {
            if (order == null) {
                throw new IllegalArgumentException("BatchIterator: order is null");
            }
            this.order = order;
            return this;
        }

        /** Skip the incomplete last batch of each epoch (default false, as PyTorch's {@code drop_last}). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        public Builder layout(Layout layout) {
            if (layout == null) {
                throw new IllegalArgumentException("BatchIterator: layout is null");
            }
            this.layout = layout;
            return this;
        }

        public BatchIterator build() {
            return new BatchIterator(this);
        }
    }
}
