package org.bnlab.lab;

import java.util.Locale;
import org.bnlab.nn.norm.RenormSchedule;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;

/** What the normalization-family experiments share: plain SGD recipes at any batch size, and names for the norms. */
final class NormRuns {
    private NormRuns() {}

    /** Plain SGD (no momentum, no schedule) on the context's data. */
    static TrainConfig sgd(LabContext ctx, ModelSpec spec, double lr, int batch, long steps, int evalEvery, long seed) {
        return sgd(ctx, spec, lr, 0, batch, steps, evalEvery, seed);
    }

    /** SGD with {@code momentum}, no schedule, on the context's data. */
    static TrainConfig sgd(LabContext ctx, ModelSpec spec, double lr, double momentum, int batch, long steps, int evalEvery, long seed) {
        return new TrainConfig(ctx.data().name(), null, false, spec, "sgd", lr, momentum, false, 0, "none", 1, 1, batch, steps,
                evalEvery, seed, 0);
    }

    /** A reader's name for a {@link ModelSpec#norm()} text. */
    static String label(String norm) {
        String[] p = norm.split(":");
        switch (p[0]) {
            case "none":
                return "no norm";
            case "batch":
                return "BN";
            case "renorm":
                return "Batch Renorm";
            case "ghost":
                return "Ghost BN (" + p[1] + ")";
            case "group":
                return "Group Norm (" + p[1] + " groups)";
            case "layer":
                return "Layer Norm";
            default:
                throw new IllegalArgumentException("no label for norm '" + norm + "'");
        }
    }

    /** The metric-key form of a norm: "group:10" -> "group10". */
    static String key(String norm) {
        return norm.replace(":", "").toLowerCase(Locale.ROOT);
    }

    /**
     * True when the preset's Batch Renorm is still plain BN at the last of {@code steps} steps (its
     * schedule starts with plain BN): a run that short cannot tell the two apart.
     */
    static boolean renormIsStillBn(long steps) {
        RenormSchedule s = ModelSpec.renormSchedule();
        return s.rmax(steps - 1) == 1 && s.dmax(steps - 1) == 0;
    }

    /** "+1.23" points from a difference of fractions. */
    static String points(double diff) {
        return String.format(Locale.ROOT, "%+.2f", 100 * diff);
    }
}
