package org.bnlab.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Verdict;

/**
 * What the sweep experiments (learning rate, init, saturation, regularization, conv) share: every
 * (setting, seed) pair trained on the context's workers, results grouped by setting, and the mean
 * and spread over seeds of what they measured.
 */
final class Sweeps {
    private Sweeps() {}

    /** Runs {@code run(setting, seed)} for every setting and seed; result [setting][seed index], in input order. */
    static <S, R> List<List<R>> perSetting(LabContext ctx, List<S> settings, BiFunction<S, Long, R> run) {
        record Job<S>(S setting, long seed) {}
        List<Job<S>> jobs = new ArrayList<>();
        for (S s : settings) {
            for (long seed : ctx.seeds()) {
                jobs.add(new Job<>(s, seed));
            }
        }
        List<R> flat = Runs.map(ctx.workers(), jobs, j -> run.apply(j.setting(), j.seed()));
        List<List<R>> out = new ArrayList<>();
        int n = ctx.seeds().size();
        for (int i = 0; i < settings.size(); i++) {
            out.add(List.copyOf(flat.subList(i * n, (i + 1) * n)));
        }
        return out;
    }

    /** Test accuracy against steps: mean over seeds, band of ±1 std. */
    static Series accuracyCurve(String name, List<RunResult> runs) {
        List<double[]> acc = new ArrayList<>();
        for (RunResult r : runs) {
            acc.add(r.testAccuracy());
        }
        return Series.of(name, runs.get(0).stepsAsDouble(), Stats.mean(acc)).withStd(Stats.std(acc));
    }

    /** Final test accuracy of each run (NaN for a run that diverged). */
    static double[] finalAccuracies(List<RunResult> runs) {
        return runs.stream().mapToDouble(RunResult::finalAccuracy).toArray();
    }

    /** The verdict of a claim tested once per seed: all seeds agree, none does, or some do. */
    static Verdict bySeeds(int agreeing, int seeds) {
        return agreeing == seeds ? Verdict.SUPPORTED : agreeing == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED;
    }

    /**
     * The verdict of a "trains faster" claim whose rule gave {@code byRule}. A network that ends below
     * the baseline has not trained faster, whatever it reached on the way: then the verdict is
     * NOT_SETTLED after {@code --quick} (the curves were cut before either converged), else never
     * SUPPORTED (MIXED: faster early, lower at the end).
     */
    static Verdict faster(Verdict byRule, boolean endsBelowBaseline, LabContext ctx) {
        if (!endsBelowBaseline) {
            return byRule;
        }
        return ctx.quick() ? Verdict.NOT_SETTLED : byRule == Verdict.SUPPORTED ? Verdict.MIXED : byRule;
    }

    /** The rule {@link #faster} adds, for the claim's reason. */
    static final String FASTER_RULE = "; never SUPPORTED when the faster network ends below the baseline (NOT_SETTLED after --quick)";

    /** "97.12% ± 0.30" over seeds, or "diverged" if any seed did. */
    static String meanStd(double[] v) {
        double m = Stats.mean(v);
        return Double.isNaN(m) ? "diverged" : String.format(java.util.Locale.ROOT, "%.2f%% \u00b1 %.2f", 100 * m, 100 * Stats.std(v));
    }

    /** Per row, the mean over seeds. */
    static double[] means(double[][] v) {
        double[] m = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            m[i] = Stats.mean(v[i]);
        }
        return m;
    }

    /** Per row, the std over seeds. */
    static double[] stds(double[][] v) {
        double[] m = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            m[i] = Stats.std(v[i]);
        }
        return m;
    }

    /** A loss (or loss difference) over seeds: "0.3121 ± 0.0040". */
    static String loss(double[] v) {
        return String.format(java.util.Locale.ROOT, "%.4f \u00b1 %.4f", Stats.mean(v), Stats.std(v));
    }

    /** x as "0.03", "1", "30" without trailing zeros. */
    static String num(double x) {
        return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }
}
