package org.bnlab.lab;

import java.util.List;
import java.util.Locale;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Table;
import org.bnlab.lab.report.Verdict;
import org.bnlab.train.EvalResult;
import org.bnlab.train.ModelSpec;

/**
 * Ghost Batch Normalization (Hoffer, Hubara &amp; Soudry 2017, "Train longer, generalize better"):
 * large batches generalize worse, partly because BN over a large batch loses the noise of small
 * batches' statistics; normalizing over virtual batches of 60 inside the batch of 600 restores it.
 * The paper's MLP at batch 600 with BN over the whole batch and with Ghost BN (60), and BN at batch 60
 * for reference, all for the same number of epochs, the learning rate scaled linearly with the batch.
 */
public final class GhostBatch implements Experiment {
    static final int LARGE = 600;
    static final int GHOST = 60;
    /** Learning rate at batch 60 (the paper's); batch 600 uses 10x (the linear scaling rule). */
    static final double LR_60 = Figure1.LR;

    record Setting(String label, String norm, int batch) {}

    static final List<Setting> SETTINGS = List.of(
            new Setting("BN, batch 600", "batch", LARGE),
            new Setting("Ghost BN (60), batch 600", "ghost:" + GHOST, LARGE),
            new Setting("BN, batch 60", "batch", GHOST));

    @Override
    public String name() {
        return "ghost-batch";
    }

    @Override
    public String summary() {
        return "batch 600: BN over the whole batch vs Ghost BN over virtual batches of 60, equal epochs (Hoffer et al.)";
    }

    record Out(RunResult run, EvalResult train) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long examples = ctx.sweepSteps() * GHOST;
        double epochs = (double) examples / ctx.data().train().size();
        List<List<Out>> outs = Sweeps.perSetting(ctx, SETTINGS, (s, seed) -> {
            long steps = Math.max(1, examples / s.batch());
            ctx.log().printf("  ghost-batch: %s, seed %d, %d steps%n", s.label(), seed, steps);
            LabTrainer run = LabTrainer.of(ctx, NormRuns.sgd(ctx, ModelSpec.paperMlp(s.norm(), Figure1.SIGMA),
                    LR_60 * s.batch() / GHOST, s.batch(), steps, ctx.evalEvery(steps, 10), seed));
            RunResult r = LabRun.train(run);
            return new Out(r, r.diverged() ? new EvalResult(Double.NaN, Double.NaN, 0) : run.trainer().evaluate(ctx.data().train()));
        });
        int n = ctx.seeds().size();
        int k = SETTINGS.size();
        double[][] test = new double[k][];
        double[][] train = new double[k][];
        Chart.Builder curves = Chart.line("accuracy", "Test accuracy vs epochs").axes("epoch", "test accuracy");
        Table table = Table.of("setting", "lr", "steps", "train accuracy (eval mode)", "test accuracy", "gap (points)");
        for (int i = 0; i < k; i++) {
            Setting s = SETTINGS.get(i);
            List<Out> os = outs.get(i);
            test[i] = os.stream().mapToDouble(o -> o.run().finalAccuracy()).toArray();
            train[i] = os.stream().mapToDouble(o -> o.train().accuracy()).toArray();
            double[] gap = new double[n];
            for (int j = 0; j < n; j++) {
                gap[j] = train[i][j] - test[i][j];
            }
            RunResult first = os.get(0).run();
            Series c = Sweeps.accuracyCurve(s.label(), os.stream().map(Out::run).toList());
            double[] x = first.stepsAsDouble();
            for (int j = 0; j < x.length; j++) {
                x[j] = x[j] * s.batch() / ctx.data().train().size();
            }
            double[] mean = c.y();
            curves.add(i == 2 ? Series.of(c.name(), x, mean).withStd(c.yStd()).dashed() : Series.of(c.name(), x, mean).withStd(c.yStd()));
            table = table.row(s.label(), Sweeps.num(LR_60 * s.batch() / GHOST), String.format(Locale.ROOT, "%,d", first.steps()[first.steps().length - 1]),
                    Sweeps.meanStd(train[i]), Sweeps.meanStd(test[i]),
                    String.format(Locale.ROOT, "%.2f \u00b1 %.2f", 100 * Stats.mean(gap), 100 * Stats.std(gap)));
        }
        List<String> labels = SETTINGS.stream().map(Setting::label).toList();
        int better = 0;
        for (int j = 0; j < n; j++) {
            better += test[1][j] > test[0][j] ? 1 : 0;
        }
        Verdict v = Stats.mean(test[0]) < SmallBatch.LEARNED ? Verdict.NOT_SETTLED : Sweeps.bySeeds(better, n);
        String spread = "Mean of " + n + " seed(s); ";
        return ExperimentResult.builder(name(), "Ghost Batch Norm at a large batch (Hoffer et al. 2017)")
                .description(String.format(Locale.ROOT,
                        "784-100-100-100-10 sigmoid MLP, weights N(0, %s), plain SGD, every run %,d examples (%.1f epochs of %s), "
                                + "lr %s x batch / %d, seeds %s. Ghost BN: BN statistics over each contiguous slice of %d of the batch "
                                + "of %d (running statistics updated once per slice). Train accuracy on the whole training split and "
                                + "test accuracy, both in eval mode after the last step; gap = train - test.",
                        Figure1.SIGMA, examples, epochs, ctx.data().name(), Sweeps.num(LR_60), GHOST, ctx.seeds(), GHOST, LARGE))
                .chart(curves.caption(spread + "band: \u00b11 std.").build())
                .chart(Chart.bar("train-test", "Train and test accuracy at the end", labels).axes("setting", "accuracy")
                        .add(Series.bars("train", Sweeps.means(train)).withStd(Sweeps.stds(train)))
                        .add(Series.bars("test", Sweeps.means(test)).withStd(Sweeps.stds(test)))
                        .caption(spread + "error bars: \u00b11 std.").build())
                .table(table)
                .claim(new Claim("Ghost BN generalizes better than BN over a large batch (Hoffer et al. 2017)",
                        String.format(Locale.ROOT, "at batch 600: test accuracy %s with Ghost BN (60) vs %s with BN over the batch "
                                        + "(BN at batch 60: %s)", Figure1.pct(Stats.mean(test[1])), Figure1.pct(Stats.mean(test[0])),
                                Figure1.pct(Stats.mean(test[2]))),
                        v,
                        String.format(Locale.ROOT, "rule: SUPPORTED if Ghost BN's test accuracy is higher on every seed, NOT_SUPPORTED "
                                + "on none, else MIXED; NOT_SETTLED if BN at batch 600 is below %.0f%%; higher on %d of %d seeds",
                                100 * SmallBatch.LEARNED, better, n)))
                .metric("examples", examples).metric("settings", labels)
                .metric("test_accuracy", Sweeps.means(test)).metric("train_accuracy", Sweeps.means(train))
                .metric("test_accuracy_bn_600", test[0]).metric("test_accuracy_ghost_600", test[1])
                .build();
    }
}
