package org.bnlab.train;

import java.util.List;
import java.util.Locale;
import org.bnlab.nn.Module;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.BatchRenorm;
import org.bnlab.nn.norm.GhostBatchNorm;
import org.bnlab.nn.norm.GroupNorm;
import org.bnlab.nn.norm.LayerNorm;
import org.bnlab.nn.norm.RenormSchedule;

/**
 * The normalization of a preset model ({@link ModelSpec#norm()}), parsed from its text:
 * {@code none}, {@code batch}, {@code renorm}, {@code ghost:N} (virtual batches of N >= 2),
 * {@code group:G} (G groups, G dividing every normalized width) or {@code layer}.
 *
 * @param kind the word before the colon
 * @param size N of ghost, G of group, else 0
 */
record NormChoice(String kind, int size) {
    static final List<String> KINDS = List.of("none", "batch", "renorm", "ghost", "group", "layer");

    /**
     * Batch Renorm's clipping schedule in the presets: the shape of Ioffe's (plain BN, then rmax
     * rising to 3 and dmax to 5) compressed 10x, BN for 500 steps, dmax 5 at step 2,500, rmax 3 at
     * step 4,000, because the paper's (BN for 5,000 steps, limits reached at 40,000) spans longer
     * than the runs here and would leave Batch Renorm equal to BN for most of them.
     */
    static final RenormSchedule RENORM_SCHEDULE = RenormSchedule.linear(500, 3, 4_000, 5, 2_500);

    static NormChoice parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("norm must be given (known: none, batch, renorm, ghost:N, group:G, layer)");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        String kind = colon < 0 ? t : t.substring(0, colon);
        boolean sized = kind.equals("ghost") || kind.equals("group");
        if (!KINDS.contains(kind) || sized != (colon >= 0)) {
            throw new IllegalArgumentException("unknown norm '" + text + "' (known: none, batch, renorm, ghost:N, group:G, layer)");
        }
        if (!sized) {
            return new NormChoice(kind, 0);
        }
        int n;
        try {
            n = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("norm '" + text + "': " + kind + " needs a whole number after the colon");
        }
        int min = kind.equals("ghost") ? 2 : 1; // a ghost batch of one sample has no variance
        if (n < min) {
            throw new IllegalArgumentException("norm '" + text + "': " + kind + " needs a number >= " + min + ", got " + n);
        }
        return new NormChoice(kind, n);
    }

    boolean none() {
        return kind.equals("none");
    }

    /** The canonical text, e.g. "ghost:60". */
    @Override
    public String toString() {
        return size == 0 ? kind : kind + ":" + size;
    }

    /** An error unless the layer can normalize {@code channels} features or channels (group: G must divide it). */
    void check(int channels) {
        if (kind.equals("group") && channels % size != 0) {
            throw new IllegalArgumentException("norm '" + this + "': " + size + " groups do not divide a layer of width " + channels);
        }
    }

    /**
     * The layer after a Linear of {@code channels} outputs (no {@code spatial}) or a convolution with
     * {@code channels} output maps of {@code spatial} = {height, width}; null for none. Layer Norm
     * normalizes each sample's whole layer output, [C] or [C, H, W], as nn.LayerNorm over those dims.
     */
    Module layer(int channels, int... spatial) {
        switch (kind) {
            case "batch":
                return BatchNorm.builder(channels).build();
            case "renorm":
                return BatchRenorm.builder(channels).schedule(RENORM_SCHEDULE).build();
            case "ghost":
                return GhostBatchNorm.builder(channels).virtualBatchSize(size).build();
            case "group":
                return GroupNorm.builder(size, channels).build();
            case "layer":
                return spatial.length == 0 ? LayerNorm.builder(channels).build()
                        : LayerNorm.builder(channels, spatial[0], spatial[1]).build();
            default:
                return null;
        }
    }
}
