package org.bnlab.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Table;
import org.bnlab.lab.report.Verdict;
import org.bnlab.train.ModelSpec;

/**
 * Where BN breaks: small batches (Wu &amp; He 2018, Group Normalization, Figure 1). The paper's MLP with
 * no normalization, BN, Batch Renorm, Group Norm and Layer Norm, trained at batch sizes 2 to 60 on the
 * same number of examples, with the learning rate scaled linearly with the batch (lr = 0.5 B / 60,
 * Goyal et al.'s rule, as Wu &amp; He). Test accuracy in eval mode: BN and Batch Renorm then use their
 * running statistics, which at batch 2 are averages of two-sample statistics; that is the point.
 */
public final class SmallBatch implements Experiment {
    static final int[] BATCHES = {2, 4, 8, 16, 32, 60};
    static final List<String> NORMS = List.of("none", "batch", "renorm", "group:10", "layer");
    /** Learning rate at batch 60; the learning-rate experiment finds BN's MLP fast and stable around it. */
    static final double LR_60 = 0.5;
    /** A norm "falls" when its batch-2 accuracy is more than this below its batch-60 accuracy (2 points). */
    static final double FALL = 0.02;
    /** Below this batch-60 BN accuracy the networks have not learned yet and nothing is settled. */
    static final double LEARNED = 0.5;

    @Override
    public String name() {
        return "small-batch";
    }

    @Override
    public String summary() {
        return "test accuracy vs batch size 2..60 for no norm, BN, Batch Renorm, Group Norm, Layer Norm (Wu & He's Figure 1)";
    }

    /** Examples each run sees: 480 (a multiple of every batch size) per 100 main-run steps; 48,000 for the default 10,000. */
    static long examples(LabContext ctx) {
        return Math.max(1, ctx.steps() / 100) * 480;
    }

    record Setting(String norm, int batch) {}

    private static Claim holds(String norm, double[] fall, double[][] acc, int holding, int n, boolean settled) {
        return new Claim(norm + " holds its accuracy at small batches (where BN falls)",
                String.format(Locale.ROOT, "from batch 60 to batch 2 %s's test accuracy changes by %s points (%s -> %s)", norm,
                        NormRuns.points(-Stats.mean(fall)), Figure1.pct(Stats.mean(acc[acc.length - 1])), Figure1.pct(Stats.mean(acc[0]))),
                settled ? Sweeps.bySeeds(holding, n) : Verdict.NOT_SETTLED,
                rule(norm + " falls by at most", holding, n));
    }

    private static String rule(String what, int holding, int n) {
        return String.format(Locale.ROOT, "rule: on a seed, %s %.0f points from batch 60 to batch 2; SUPPORTED on every seed, "
                + "NOT_SUPPORTED on none, else MIXED; NOT_SETTLED if BN or this normalization at batch 60 is below %.0f%% (not "
                + "trained yet), or, for Batch Renorm, if even the batch-2 run ends before its corrections start; "
                + "held on %d of %d seeds", what, 100 * FALL, 100 * LEARNED, holding, n);
    }

    @Override
    public ExperimentResult run(LabContext ctx) {
        long examples = examples(ctx);
        List<Setting> settings = new ArrayList<>();
        for (String norm : NORMS) {
            for (int b : BATCHES) {
                settings.add(new Setting(norm, b));
            }
        }
        List<List<RunResult>> runs = Sweeps.perSetting(ctx, settings, (s, seed) -> {
            long steps = examples / s.batch();
            ctx.log().printf("  small-batch: %s, batch %d, seed %d, %d steps%n", NormRuns.label(s.norm()), s.batch(), seed, steps);
            return LabRun.train(ctx, NormRuns.sgd(ctx, ModelSpec.paperMlp(s.norm(), Figure1.SIGMA), LR_60 * s.batch() / 60,
                    s.batch(), steps, (int) steps, seed), null);
        });
        int n = ctx.seeds().size();
        int k = BATCHES.length;
        double[] x = java.util.Arrays.stream(BATCHES).asDoubleStream().toArray();
        // acc[norm][batch][seed]
        double[][][] acc = new double[NORMS.size()][k][];
        for (int i = 0; i < settings.size(); i++) {
            acc[i / k][i % k] = Sweeps.finalAccuracies(runs.get(i));
        }
        Chart.Builder chart = Chart.line("accuracy-vs-batch", "Test accuracy vs batch size, same number of examples")
                .axes("batch size (log scale)", "test accuracy").logX();
        String[] headers = new String[k + 2];
        headers[0] = "normalization";
        for (int j = 0; j < k; j++) {
            headers[j + 1] = "batch " + BATCHES[j];
        }
        headers[k + 1] = "batch 60 - batch 2 (points)";
        Table table = Table.of(headers);
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Small batches: where BN breaks (Wu & He's Figure 1)");
        double[][] fall = new double[NORMS.size()][n];
        for (int m = 0; m < NORMS.size(); m++) {
            double[] mean = new double[k];
            double[] std = new double[k];
            String[] row = new String[k + 2];
            row[0] = NormRuns.label(NORMS.get(m));
            for (int j = 0; j < k; j++) {
                mean[j] = Stats.mean(acc[m][j]);
                std[j] = Stats.std(acc[m][j]);
                row[j + 1] = Sweeps.meanStd(acc[m][j]);
            }
            for (int s = 0; s < n; s++) {
                fall[m][s] = acc[m][k - 1][s] - acc[m][0][s];
            }
            row[k + 1] = String.format(Locale.ROOT, "%.2f \u00b1 %.2f", 100 * Stats.mean(fall[m]), 100 * Stats.std(fall[m]));
            table = table.row(row);
            Series line = Series.of(NormRuns.label(NORMS.get(m)), x, mean).withStd(std).withMarkers();
            chart.add(m == 0 ? line.dashed() : NORMS.get(m).equals("layer") ? line.dotted() : line);
            result.metric("accuracy_" + NormRuns.key(NORMS.get(m)), mean).metric("fall_" + NormRuns.key(NORMS.get(m)), fall[m]);
        }
        int bn = NORMS.indexOf("batch");
        int renorm = NORMS.indexOf("renorm");
        int group = NORMS.indexOf("group:10");
        int bnFalls = 0;
        int renormHolds = 0;
        int groupHolds = 0;
        for (int s = 0; s < n; s++) {
            bnFalls += fall[bn][s] > FALL ? 1 : 0;
            renormHolds += fall[renorm][s] <= FALL ? 1 : 0;
            groupHolds += fall[group][s] <= FALL ? 1 : 0;
        }
        double bn60 = Stats.mean(acc[bn][k - 1]);
        boolean settled = bn60 >= LEARNED;
        result.description(String.format(Locale.ROOT,
                        "784-100-100-100-10 sigmoid MLP, weights N(0, %s), plain SGD, every run sees %,d examples (%.1f epochs of %s's "
                                + "%,d training images; batch 2 takes %,d steps, batch 60 %,d), lr = %s x batch / 60, seeds %s. "
                                + "Normalization before each sigmoid: none, BN, Batch Renorm (BN for 500 steps, then rmax to 3 by step "
                                + "4,000 and dmax to 5 by step 2,500), Group Norm (10 groups of 10 units), Layer Norm (over the 100 units). "
                                + "Test accuracy after the last step, eval mode: BN and Batch Renorm use their running statistics "
                                + "(momentum 0.1), which at batch 2 average two-sample statistics.",
                        Figure1.SIGMA, examples, (double) examples / ctx.data().train().size(), ctx.data().name(),
                        ctx.data().train().size(), examples / 2, examples / 60, Sweeps.num(LR_60), ctx.seeds()))
                .chart(chart.caption("Mean of " + n + " seed(s); band: \u00b11 std over seeds. Every point has seen the same number of examples.")
                        .build())
                .table(table)
                .claim(new Claim("BN's accuracy falls at small batches",
                        String.format(Locale.ROOT, "from batch 60 to batch 2 BN's test accuracy changes by %s points (%s -> %s); "
                                        + "without normalization by %s", NormRuns.points(-Stats.mean(fall[bn])), Figure1.pct(bn60),
                                Figure1.pct(Stats.mean(acc[bn][0])), NormRuns.points(-Stats.mean(fall[0]))),
                        settled ? Sweeps.bySeeds(bnFalls, n) : Verdict.NOT_SETTLED,
                        rule("BN falls by more than", bnFalls, n)))
                .claim(holds("Batch Renorm", fall[renorm], acc[renorm], renormHolds, n,
                        settled && Stats.mean(acc[renorm][k - 1]) >= LEARNED && !NormRuns.renormIsStillBn(examples / 2)))
                .claim(holds("Group Norm", fall[group], acc[group], groupHolds, n, settled && Stats.mean(acc[group][k - 1]) >= LEARNED))
                .metric("batches", BATCHES).metric("examples", examples).metric("lr_at_60", LR_60).metric("norms", NORMS);
        return result.build();
    }
}
