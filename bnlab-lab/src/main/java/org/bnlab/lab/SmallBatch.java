package org.bnlab.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Table;
import org.bnlab.lab.report.Verdict;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;

/**
 * Where BN breaks: small batches (Wu &amp; He 2018, Group Normalization, Figure 1). Each network with
 * no normalization, BN, Batch Renorm, Group Norm and Layer Norm, trained at batch sizes from 2 up on
 * the same number of examples, the learning rate scaled linearly with the batch (Goyal et al.'s rule,
 * as Wu &amp; He). Two panels, each at batch 2, 4, 8, 16, 32 and 60: the paper's MLP and the CNN preset
 * (a CNN example costs about 100 MLP examples, so the CNN runs see a tenth of the MLP's examples). Test accuracy in
 * eval mode: BN and Batch Renorm then use their running statistics, which at batch 2 are averages of
 * two-sample statistics; that is the point.
 */
public final class SmallBatch implements Experiment {
    /** A norm "falls" when its smallest-batch accuracy is more than this below its largest-batch accuracy (2 points). */
    static final double FALL = 0.02;
    /** Below this accuracy at the largest batch a network has not learned yet and nothing is settled. */
    static final double LEARNED = 0.5;

    /**
     * One network's sweep: its norms and batch sizes (ascending), the examples each run sees, and its
     * recipe for a norm and a batch size.
     */
    record Panel(String id, String name, List<String> norms, int[] batches, long examples, String lrRule,
                 Function<String, ModelSpec> spec, TrainRecipe recipe) {
        int largest() {
            return batches[batches.length - 1];
        }
    }

    @FunctionalInterface
    interface TrainRecipe {
        TrainConfig of(ModelSpec spec, int batch, long steps, long seed);
    }

    @Override
    public String name() {
        return "small-batch";
    }

    @Override
    public String summary() {
        return "test accuracy vs batch size for no norm, BN, Batch Renorm, Group Norm, Layer Norm, MLP and CNN (Wu & He's Figure 1)";
    }

    /** MLP: 480 examples (a multiple of every batch size) per 100 main-run steps; 48,000 for the default 10,000. */
    static Panel mlp(LabContext ctx) {
        double lr60 = 0.5; // the learning-rate experiment finds BN's MLP fast and stable around it
        return new Panel("mlp", "MLP", List.of("none", "batch", "renorm", "group:10", "layer"), new int[] {2, 4, 8, 16, 32, 60},
                Math.max(1, ctx.steps() / 100) * 480, "lr 0.5 x batch / 60, plain SGD",
                norm -> ModelSpec.paperMlp(norm, Figure1.SIGMA),
                (spec, batch, steps, seed) -> NormRuns.sgd(ctx, spec, lr60 * batch / 60, 0, batch, steps, (int) steps, seed));
    }

    /**
     * CNN: the MLP's batch sizes, 480 examples (a multiple of each) per 1,000 main-run steps: 4,800 for
     * the default 10,000, 0.6 epochs of mnist-sample (a CNN example costs about 100 MLP examples).
     */
    static Panel cnn(LabContext ctx) {
        return new Panel("cnn", "CNN", List.of("none", "batch", "renorm", "group:8", "layer"), new int[] {2, 4, 8, 16, 32, 60},
                Math.max(1, ctx.steps() / 1000) * 480, "SGD momentum 0.9, lr 0.05 x batch / 128 (the conv experiment's rate at its batch)",
                norm -> new ModelSpec("cnn", 1, 28, 28, ctx.data().classes(), List.of(), "relu", norm, "default", 0, 0),
                (spec, batch, steps, seed) -> NormRuns.sgd(ctx, spec, Conv.LR * batch / Conv.BATCH, Conv.MOMENTUM, batch, steps,
                        (int) steps, seed));
    }

    record Setting(Panel panel, String norm, int batch) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        List<Panel> panels = List.of(mlp(ctx), cnn(ctx));
        List<Setting> settings = new ArrayList<>();
        for (Panel p : panels) {
            for (String norm : p.norms()) {
                for (int b : p.batches()) {
                    settings.add(new Setting(p, norm, b));
                }
            }
        }
        List<List<RunResult>> runs = Sweeps.perSetting(ctx, settings, (s, seed) -> {
            long steps = s.panel().examples() / s.batch();
            ctx.log().printf("  small-batch: %s, %s, batch %d, seed %d, %d steps%n", s.panel().name(), NormRuns.label(s.norm()),
                    s.batch(), seed, steps);
            return LabRun.train(ctx, s.panel().recipe().of(s.panel().spec().apply(s.norm()), s.batch(), steps, seed), null);
        });
        int n = ctx.seeds().size();
        int[] columns = Arrays.stream(panels.get(0).batches()).toArray(); // the MLP's sizes include the CNN's (today: equal)
        String[] headers = new String[columns.length + 3];
        headers[0] = "network";
        headers[1] = "normalization";
        for (int j = 0; j < columns.length; j++) {
            headers[j + 2] = "batch " + columns[j];
        }
        headers[columns.length + 2] = "largest - smallest batch (points)";
        Table table = Table.of(headers);
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Small batches: where BN breaks (Wu & He's Figure 1)");
        StringBuilder description = new StringBuilder();
        int offset = 0;
        for (Panel p : panels) {
            int k = p.batches().length;
            // acc[norm][batch][seed], fall[norm][seed] = largest-batch minus smallest-batch accuracy
            double[][][] acc = new double[p.norms().size()][k][];
            double[][] fall = new double[p.norms().size()][n];
            Chart.Builder chart = Chart.line("accuracy-vs-batch-" + p.id(), p.name() + ": test accuracy vs batch size, same number of examples")
                    .axes("batch size (log scale)", "test accuracy").logX();
            double[] x = Arrays.stream(p.batches()).asDoubleStream().toArray();
            for (int m = 0; m < p.norms().size(); m++) {
                String norm = p.norms().get(m);
                String[] row = new String[columns.length + 3];
                Arrays.fill(row, "\u2013");
                row[0] = p.name();
                row[1] = NormRuns.label(norm);
                double[] mean = new double[k];
                double[] std = new double[k];
                for (int j = 0; j < k; j++) {
                    acc[m][j] = Sweeps.finalAccuracies(runs.get(offset++));
                    mean[j] = Stats.mean(acc[m][j]);
                    std[j] = Stats.std(acc[m][j]);
                    row[2 + Arrays.binarySearch(columns, p.batches()[j])] = Sweeps.meanStd(acc[m][j]);
                }
                for (int s = 0; s < n; s++) {
                    fall[m][s] = acc[m][k - 1][s] - acc[m][0][s];
                }
                row[columns.length + 2] = String.format(Locale.ROOT, "%.2f \u00b1 %.2f", 100 * Stats.mean(fall[m]), 100 * Stats.std(fall[m]));
                table = table.row(row);
                Series line = Series.of(NormRuns.label(norm), x, mean).withStd(std).withMarkers();
                chart.add(norm.equals("none") ? line.dashed() : norm.equals("layer") ? line.dotted() : line);
                String key = p.id() + "_" + NormRuns.key(norm);
                result.metric("accuracy_" + key, mean).metric("fall_" + key, fall[m]);
            }
            result.chart(chart.caption("Mean of " + n + " seed(s); band: \u00b11 std over seeds. Every point has seen the same number "
                    + "of examples.").build());
            claims(result, p, acc, fall, n);
            result.metric("batches_" + p.id(), p.batches()).metric("examples_" + p.id(), p.examples());
            description.append(String.format(Locale.ROOT, " %s: %,d examples per run (%.1f epochs of %s's %,d training images; batch "
                            + "%d takes %,d steps, batch %d %,d), %s.", p.name(), p.examples(),
                    (double) p.examples() / ctx.data().train().size(), ctx.data().name(), ctx.data().train().size(), p.batches()[0],
                    p.examples() / p.batches()[0], p.largest(), p.examples() / p.largest(), p.lrRule()));
        }
        return result.description("The paper's 784-100-100-100-10 sigmoid MLP (weights N(0, " + Figure1.SIGMA + ")) and the CNN preset "
                        + "(conv3x3-32, conv3x3-64, Linear-128, ReLU, PyTorch's init), normalization before each nonlinearity: none, BN, "
                        + "Batch Renorm (BN for 500 steps, then rmax to 3 by step 4,000 and dmax to 5 by step 2,500), Group Norm (MLP: "
                        + "10 groups of 10 units; CNN: 8 groups), Layer Norm (each sample's whole layer output); seeds " + ctx.seeds() + "."
                        + description + " Test accuracy after the last step, eval mode: BN and Batch Renorm use their running "
                        + "statistics (momentum 0.1), which at batch 2 average two-sample statistics.")
                .table(table)
                .build();
    }

    /** BN falls, Batch Renorm holds, Group Norm holds: one claim each for the MLP; the CNN's as one claim. */
    private static void claims(ExperimentResult.Builder result, Panel p, double[][][] acc, double[][] fall, int n) {
        int k = p.batches().length;
        int bn = p.norms().indexOf("batch");
        double bnLargest = Stats.mean(acc[bn][k - 1]);
        int bnFalls = 0;
        for (int s = 0; s < n; s++) {
            bnFalls += fall[bn][s] > FALL ? 1 : 0;
        }
        boolean settled = bnLargest >= LEARNED;
        String span = String.format(Locale.ROOT, "from batch %d to batch %d", p.largest(), p.batches()[0]);
        if (p.id().equals("mlp")) {
            result.claim(new Claim("BN's accuracy falls at small batches",
                    String.format(Locale.ROOT, "%s BN's test accuracy changes by %s points (%s -> %s); without normalization by %s", span,
                            NormRuns.points(-Stats.mean(fall[bn])), Figure1.pct(bnLargest), Figure1.pct(Stats.mean(acc[bn][0])),
                            NormRuns.points(-Stats.mean(fall[0]))),
                    settled ? Sweeps.bySeeds(bnFalls, n) : Verdict.NOT_SETTLED,
                    rule(p, "BN falls by more than", bnFalls, n)));
            for (String norm : List.of("renorm", p.norms().get(3))) {
                int m = p.norms().indexOf(norm);
                int holding = 0;
                for (int s = 0; s < n; s++) {
                    holding += fall[m][s] <= FALL ? 1 : 0;
                }
                boolean trained = settled && Stats.mean(acc[m][k - 1]) >= LEARNED
                        && !(norm.equals("renorm") && NormRuns.renormIsStillBn(p.examples() / p.batches()[0]));
                String label = NormRuns.label(norm).replaceAll(" \\(.*", "");
                result.claim(new Claim(label + " holds its accuracy at small batches (where BN falls)",
                        String.format(Locale.ROOT, "%s %s's test accuracy changes by %s points (%s -> %s)", span, label,
                                NormRuns.points(-Stats.mean(fall[m])), Figure1.pct(Stats.mean(acc[m][k - 1])), Figure1.pct(Stats.mean(acc[m][0]))),
                        trained ? Sweeps.bySeeds(holding, n) : Verdict.NOT_SETTLED,
                        rule(p, label + " falls by at most", holding, n)));
            }
            return;
        }
        int gn = p.norms().indexOf(p.norms().get(3));
        int both = 0;
        for (int s = 0; s < n; s++) {
            both += fall[bn][s] > FALL && fall[gn][s] <= FALL ? 1 : 0;
        }
        result.claim(new Claim("In the CNN too, BN falls at small batches while Group Norm holds",
                String.format(Locale.ROOT, "%s test accuracy changes by %s points with BN (%s -> %s), %s with Group Norm, %s with Batch "
                                + "Renorm, %s with Layer Norm, %s without normalization", span, NormRuns.points(-Stats.mean(fall[bn])),
                        Figure1.pct(bnLargest), Figure1.pct(Stats.mean(acc[bn][0])), NormRuns.points(-Stats.mean(fall[gn])),
                        NormRuns.points(-Stats.mean(fall[p.norms().indexOf("renorm")])),
                        NormRuns.points(-Stats.mean(fall[p.norms().indexOf("layer")])), NormRuns.points(-Stats.mean(fall[0]))),
                settled && Stats.mean(acc[gn][k - 1]) >= LEARNED ? Sweeps.bySeeds(both, n) : Verdict.NOT_SETTLED,
                rule(p, "BN falls by more than, and Group Norm by at most,", both, n)));
    }

    private static String rule(Panel p, String what, int holding, int n) {
        return String.format(Locale.ROOT, "rule: on a seed, %s %.0f points from batch %d to batch %d; SUPPORTED on every seed, "
                + "NOT_SUPPORTED on none, else MIXED; NOT_SETTLED if BN or the normalization judged is below %.0f%% at batch %d "
                + "(not trained yet), or, for Batch Renorm, if even the batch-%d run ends before its corrections start; held on %d "
                + "of %d seeds", what, 100 * FALL, p.largest(), p.batches()[0], 100 * LEARNED, p.largest(), p.batches()[0], holding, n);
    }
}
