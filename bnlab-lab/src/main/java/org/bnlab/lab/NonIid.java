package org.bnlab.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bnlab.data.ClassPairOrder;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Table;
import org.bnlab.lab.report.Verdict;
import org.bnlab.train.ModelSpec;

/**
 * Where BN breaks: non-i.i.d. mini-batches (Ioffe 2017, Batch Renormalization, section 4.3). Every
 * mini-batch of 60 holds 30 examples of one class and 30 of another ({@link ClassPairOrder}); the
 * control draws i.i.d. batches. In training BN normalizes with the statistics of two classes, at test
 * time with the population's, so what the network learned no longer applies; Batch Renorm corrects
 * the batch statistics towards the running ones and so trains the function it will be tested with.
 * The train/test gap is |test loss in eval mode - training loss in training mode| (the training loss
 * is the mean over the last tenth of the run, on the run's own batches): how far the function trained
 * is from the function tested, in either direction.
 */
public final class NonIid implements Experiment {
    static final List<String> NORMS = List.of("none", "batch", "renorm");
    static final int BATCH = 60;
    /** "Lower" / "higher" accuracy: by more than 2 points. */
    static final double MARGIN = 0.02;

    @Override
    public String name() {
        return "non-iid";
    }

    @Override
    public String summary() {
        return "mini-batches of two classes: BN's train/test gap and Batch Renorm's fix (Ioffe 2017)";
    }

    record Setting(String norm, boolean pairs) {}

    record Out(RunResult run, double gap) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long steps = ctx.sweepSteps();
        int evalEvery = ctx.evalEvery(steps, 10);
        List<Setting> settings = new ArrayList<>();
        for (String norm : NORMS) {
            settings.add(new Setting(norm, false));
            settings.add(new Setting(norm, true));
        }
        List<List<Out>> outs = Sweeps.perSetting(ctx, settings, (s, seed) -> {
            ctx.log().printf("  non-iid: %s, %s, seed %d, %d steps%n", NormRuns.label(s.norm()), s.pairs() ? "two classes" : "i.i.d.",
                    seed, steps);
            var cfg = NormRuns.sgd(ctx, ModelSpec.paperMlp(s.norm(), Figure1.SIGMA), Figure1.LR, BATCH, steps, evalEvery, seed);
            RunResult r = LabRun.train(s.pairs() ? LabTrainer.of(ctx, cfg, new ClassPairOrder(ctx.data().train(), BATCH, seed))
                    : LabTrainer.of(ctx, cfg));
            int last = r.testLoss().length - 1;
            return new Out(r, Math.abs(r.testLoss()[last] - r.trainLoss()[last]));
        });
        int n = ctx.seeds().size();
        int k = settings.size();
        double[][] acc = new double[k][];
        double[][] gap = new double[k][];
        Table table = Table.of("normalization", "batches", "test accuracy (eval mode)", "training loss (train mode)", "test loss (eval mode)",
                "gap: |test - training loss|");
        Chart.Builder curves = Chart.line("accuracy-two-classes", "Test accuracy vs steps, mini-batches of two classes")
                .axes("training step", "test accuracy");
        for (int i = 0; i < k; i++) {
            List<Out> os = outs.get(i);
            acc[i] = os.stream().mapToDouble(o -> o.run().finalAccuracy()).toArray();
            gap[i] = os.stream().mapToDouble(Out::gap).toArray();
            double[] train = os.stream().mapToDouble(o -> o.run().trainLoss()[o.run().trainLoss().length - 1]).toArray();
            double[] test = os.stream().mapToDouble(o -> o.run().testLoss()[o.run().testLoss().length - 1]).toArray();
            Setting s = settings.get(i);
            table = table.row(NormRuns.label(s.norm()), s.pairs() ? "two classes" : "i.i.d.", Sweeps.meanStd(acc[i]),
                    Sweeps.loss(train), Sweeps.loss(test), Sweeps.loss(gap[i]));
            if (s.pairs()) {
                Series c = Sweeps.accuracyCurve(NormRuns.label(s.norm()), os.stream().map(Out::run).toList());
                curves.add(s.norm().equals("none") ? c.dashed() : c);
            }
        }
        List<String> labels = NORMS.stream().map(NormRuns::label).toList();
        double[][] accIid = new double[NORMS.size()][];
        double[][] accPairs = new double[NORMS.size()][];
        double[][] gapIid = new double[NORMS.size()][];
        double[][] gapPairs = new double[NORMS.size()][];
        for (int m = 0; m < NORMS.size(); m++) {
            accIid[m] = acc[2 * m];
            accPairs[m] = acc[2 * m + 1];
            gapIid[m] = gap[2 * m];
            gapPairs[m] = gap[2 * m + 1];
        }
        String spread = "Mean of " + n + " seed(s); error bars: \u00b11 std.";
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Non-i.i.d. mini-batches: BN's train/test gap and Batch Renorm")
                .description(String.format(Locale.ROOT,
                        "784-100-100-100-10 sigmoid MLP, weights N(0, %s), SGD lr %s, batch %d, %,d steps (the sweep length), seeds %s, "
                                + "on %s. Two-class batches: each class's images are shuffled and cut into chunks of %d, the chunks "
                                + "shuffled and paired across classes, a new arrangement every epoch from the seed (the few leftover "
                                + "images end each epoch in mixed batches). Batch Renorm: BN for 500 steps, then rmax to 3 by step 4,000 "
                                + "and dmax to 5 by step 2,500. Training loss: mean over the last evaluation interval in training mode "
                                + "on the run's batches; test loss and accuracy in eval mode (running statistics).",
                        Figure1.SIGMA, Sweeps.num(Figure1.LR), BATCH, steps, ctx.seeds(), ctx.data().name(), BATCH / 2))
                .chart(Chart.bar("accuracy", "Test accuracy, i.i.d. vs two-class mini-batches", labels)
                        .axes("normalization", "test accuracy")
                        .add(Series.bars("i.i.d. batches", Sweeps.means(accIid)).withStd(Sweeps.stds(accIid)))
                        .add(Series.bars("two-class batches", Sweeps.means(accPairs)).withStd(Sweeps.stds(accPairs)))
                        .caption(spread).build())
                .chart(Chart.bar("gap", "Train/test gap: |test loss (eval mode) - training loss (train mode)|", labels)
                        .axes("normalization", "|test loss - training loss|")
                        .add(Series.bars("i.i.d. batches", Sweeps.means(gapIid)).withStd(Sweeps.stds(gapIid)))
                        .add(Series.bars("two-class batches", Sweeps.means(gapPairs)).withStd(Sweeps.stds(gapPairs)))
                        .caption(spread).build())
                .chart(curves.caption("Mean of " + n + " seed(s); band: \u00b11 std.").build())
                .table(table);

        int bn = NORMS.indexOf("batch");
        int rn = NORMS.indexOf("renorm");
        int breaks = 0;
        int better = 0;
        int closer = 0;
        int fixes = 0;
        for (int s = 0; s < n; s++) {
            breaks += accPairs[bn][s] < accIid[bn][s] - MARGIN && gapPairs[bn][s] > gapIid[bn][s] ? 1 : 0;
            boolean b = accPairs[rn][s] > accPairs[bn][s] + MARGIN;
            boolean c = gapPairs[rn][s] < gapPairs[bn][s];
            better += b ? 1 : 0;
            closer += c ? 1 : 0;
            fixes += b && c ? 1 : 0;
        }
        Verdict fixVerdict = fixes == n ? Verdict.SUPPORTED : better == 0 && closer == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED;
        boolean learned = Stats.mean(accIid[bn]) >= SmallBatch.LEARNED;
        result.claim(new Claim("Non-i.i.d. mini-batches open a train/test gap in BN",
                String.format(Locale.ROOT, "BN: test accuracy %s with two-class batches vs %s i.i.d.; gap %.3f vs %.3f "
                                + "(no normalization: %s vs %s)", Figure1.pct(Stats.mean(accPairs[bn])), Figure1.pct(Stats.mean(accIid[bn])),
                        Stats.mean(gapPairs[bn]), Stats.mean(gapIid[bn]), Figure1.pct(Stats.mean(accPairs[0])), Figure1.pct(Stats.mean(accIid[0]))),
                learned ? Sweeps.bySeeds(breaks, n) : Verdict.NOT_SETTLED,
                String.format(Locale.ROOT, "rule: on a seed, BN's test accuracy with two-class batches is more than %.0f points below "
                        + "i.i.d. and its gap larger; SUPPORTED on every seed, NOT_SUPPORTED on none, else MIXED; NOT_SETTLED if BN "
                        + "i.i.d. is below %.0f%%; held on %d of %d seeds", 100 * MARGIN, 100 * SmallBatch.LEARNED, breaks, n)));
        result.claim(new Claim("Batch Renorm fixes non-i.i.d. training (Ioffe 2017)",
                String.format(Locale.ROOT, "with two-class batches: test accuracy %s with Batch Renorm vs %s with BN; gap %.3f vs %.3f",
                        Figure1.pct(Stats.mean(accPairs[rn])), Figure1.pct(Stats.mean(accPairs[bn])), Stats.mean(gapPairs[rn]),
                        Stats.mean(gapPairs[bn])),
                learned && !NormRuns.renormIsStillBn(steps) ? fixVerdict : Verdict.NOT_SETTLED,
                String.format(Locale.ROOT, "rule: SUPPORTED if on every seed Batch Renorm with two-class batches is more than %.0f points "
                        + "above BN and has the smaller gap; NOT_SUPPORTED if neither holds on any seed; else MIXED; NOT_SETTLED if BN "
                        + "i.i.d. is below %.0f%% or the run ends before Batch Renorm's corrections start (it is then BN); more "
                        + "accurate on %d of %d seeds, smaller gap on %d", 100 * MARGIN, 100 * SmallBatch.LEARNED, better, n, closer)));
        for (int m = 0; m < NORMS.size(); m++) {
            String key = NormRuns.key(NORMS.get(m));
            result.metric("accuracy_iid_" + key, accIid[m]).metric("accuracy_pairs_" + key, accPairs[m])
                    .metric("gap_iid_" + key, gapIid[m]).metric("gap_pairs_" + key, gapPairs[m]);
        }
        return result.metric("steps", steps).metric("batch", BATCH).metric("lr", Figure1.LR).build();
    }

}
