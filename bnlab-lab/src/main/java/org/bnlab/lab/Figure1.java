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
import org.bnlab.nn.Sigmoid;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.TrainingListener;
import org.bnlab.train.Trainer;

/**
 * The paper's Figure 1: a 784-100-100-100-10 sigmoid MLP, weights N(0, sigma), SGD with batch 60,
 * with and without BN (BN on W*u before each sigmoid; the Linear then has no bias).
 * (a) test accuracy against steps; (b, c) the 15th, 50th and 85th percentiles of the input to one
 * sigmoid of the last hidden layer (the same unit in both networks), over a fixed set of test
 * examples, drawn as the paper does: one run (the first seed), from step 0, with points every tenth
 * of an evaluation interval over the first interval (where the distribution moves fastest) and at
 * every evaluation after. The drift (a number per seed, in the table with its spread over seeds) uses
 * the evaluation points only.
 */
public final class Figure1 implements Experiment {
    /** Learning rate and init scale: the paper gives neither; see docs/RESULTS.md for the choice. */
    public static final double LR = 0.1;
    public static final double SIGMA = 1.0;
    /** The sigmoid whose input is tracked: unit 0 of the last hidden layer (any fixed unit would do). */
    static final int UNIT = 0;
    static final int PROBE_EXAMPLES = 1000;
    static final double[] PERCENTILES = {15, 50, 85};

    @Override
    public String name() {
        return "figure1";
    }

    @Override
    public String summary() {
        return "the paper's Figure 1: test accuracy and one sigmoid's input distribution, with and without BN";
    }


    /**
     * @param percentiles the 15/50/85th percentiles at each evaluation (the drift's points)
     * @param trace       the same at {@link #traceSteps} (step 0 first), for charts (b, c)
     */
    record Out(RunResult run, double[][] percentiles, double[][] trace) {}

    /** 0, then every tenth of {@code evalEvery} up to it, then every evaluation: where (b, c) are drawn. */
    static long[] traceSteps(long steps, int evalEvery) {
        List<Long> at = new ArrayList<>();
        int early = Math.max(1, evalEvery / 10);
        for (long t = 0; t < Math.min(evalEvery, steps); t += early) {
            at.add(t);
        }
        for (long t = evalEvery; t < steps; t += evalEvery) {
            at.add(t);
        }
        at.add(steps);
        return at.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public ExperimentResult run(LabContext ctx) {
        long steps = ctx.steps();
        int evalEvery = ctx.evalEvery(steps, 20);
        Tensor probe = Probes.firstExamples(ctx.data().test(), PROBE_EXAMPLES);
        long[] trace = traceSteps(steps, evalEvery);
        // measure: without and with BN, every seed
        List<List<Out>> outs = Sweeps.perSetting(ctx, List.of(false, true), (withBn, seed) -> {
            ctx.log().printf("  figure1: %s, seed %d, %d steps%n", withBn ? "BN" : "no BN", seed, steps);
            TrainConfig cfg = TrainConfig.paper(ctx.data().name(), ModelSpec.paperMlp(withBn, SIGMA), LR, steps, evalEvery, seed);
            LabTrainer run = LabTrainer.of(ctx, cfg);
            int sigmoid = Probes.lastIndexOf(run.model(), Sigmoid.class);
            List<double[]> pct = new ArrayList<>();
            List<double[]> traced = new ArrayList<>();
            Tensor probeCopy = probe.copy();
            double[] scratch = new double[PROBE_EXAMPLES];
            traced.add(percentiles(run, sigmoid, probeCopy, scratch)); // step 0, before any update
            RunResult r = LabRun.train(run, TrainingListener.onEval((t, p) -> pct.add(percentiles(run, sigmoid, probeCopy, scratch))),
                    new TrainingListener() {
                        private int next = 1;

                        @Override
                        public void afterStep(Trainer t, float loss) {
                            if (next < trace.length && t.step() == trace[next]) {
                                traced.add(percentiles(run, sigmoid, probeCopy, scratch));
                                next++;
                            }
                        }
                    });
            return new Out(r, pct.toArray(new double[0][]), traced.toArray(new double[0][]));
        });

        // aggregate
        List<Out> plain = outs.get(0);
        List<Out> bn = outs.get(1);
        List<double[]> accPlain = plain.stream().map(o -> o.run().testAccuracy()).toList();
        List<double[]> accBn = bn.stream().map(o -> o.run().testAccuracy()).toList();
        double[] x = plain.get(0).run().stepsAsDouble();
        double[] mPlain = Stats.mean(accPlain);
        double[] mBn = Stats.mean(accBn);

        Chart accuracy = Chart.line("accuracy", "(a) Test accuracy vs training steps")
                .axes("training step", "test accuracy")
                .add(Series.of("without BN", x, mPlain).withStd(Stats.std(accPlain)).dashed())
                .add(Series.of("with BN", x, mBn).withStd(Stats.std(accBn)))
                .caption("Mean of " + ctx.seeds().size() + " seed(s); band: \u00b11 std over seeds.")
                .build();

        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Figure 1: the paper's MNIST MLP, with and without BN")
                .description(String.format(Locale.ROOT,
                        "784-100-100-100-10 MLP, sigmoid, weights N(0, %s), SGD lr %s, batch 60, %,d steps, seeds %s, on %s "
                                + "(%,d train / %,d test). BN is applied to W*u before each sigmoid (Linear without bias). "
                                + "Percentiles: input to sigmoid unit %d of the last hidden layer over the first %d test examples, eval mode.",
                        SIGMA, LR, steps, ctx.seeds(), ctx.data().name(), ctx.data().train().size(), ctx.data().test().size(), UNIT, PROBE_EXAMPLES))
                .chart(accuracy)
                .chart(percentileChart("percentiles-plain", "(b) Input to one last-layer sigmoid, without BN", trace, plain.get(0),
                        ctx.seeds().get(0)))
                .chart(percentileChart("percentiles-bn", "(c) Input to the same sigmoid, with BN", trace, bn.get(0), ctx.seeds().get(0)));

        // Faster training: steps BN needs to reach the final accuracy of the network without BN.
        double target = mPlain[mPlain.length - 1];
        double reach = Stats.firstReach(x, mBn, target);
        double finalPlain = target;
        double finalBn = mBn[mBn.length - 1];
        int seedsFaster = 0;
        int seedsHigher = 0;
        for (int s = 0; s < plain.size(); s++) {
            double tp = plain.get(s).run().finalAccuracy();
            double r = Stats.firstReach(x, bn.get(s).run().testAccuracy(), tp);
            if (!Double.isNaN(r) && r < steps) {
                seedsFaster++;
            }
            if (bn.get(s).run().finalAccuracy() > tp) {
                seedsHigher++;
            }
        }
        int n = plain.size();
        String speed = Double.isNaN(reach)
                ? String.format(Locale.ROOT, "BN never reached the no-BN final accuracy %.1f%% within %,d steps", 100 * target, steps)
                : String.format(Locale.ROOT, "BN reaches the no-BN final accuracy (%.1f%%) after %,.0f steps instead of %,d (%.1fx fewer)",
                        100 * target, reach, steps, steps / reach);
        Verdict speedVerdict = Sweeps.faster(seedsFaster == n && !Double.isNaN(reach) && reach <= steps / 2.0 ? Verdict.SUPPORTED
                : seedsFaster == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED, finalBn < finalPlain, ctx);
        result.claim(new Claim("Faster training", speed, speedVerdict,
                String.format(Locale.ROOT, "faster on %d of %d seeds (rule: SUPPORTED if BN reaches the no-BN final accuracy on every "
                        + "seed and, on the mean curves, within half the steps; NOT_SUPPORTED on no seed; else MIXED%s)",
                        seedsFaster, n, Sweeps.FASTER_RULE)));
        result.claim(new Claim("Higher final accuracy",
                String.format(Locale.ROOT, "%.2f%% with BN vs %.2f%% without after %,d steps", 100 * finalBn, 100 * finalPlain, steps),
                seedsHigher == n ? Verdict.SUPPORTED : seedsHigher == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED,
                String.format(Locale.ROOT, "higher on %d of %d seeds", seedsHigher, n)));

        // Stability of the sigmoid's input: movement of the percentiles relative to their final spread.
        double[] driftPlain = drift(plain);
        double[] driftBn = drift(bn);
        int steadier = 0;
        for (int s = 0; s < n; s++) {
            if (driftBn[s] < driftPlain[s]) {
                steadier++;
            }
        }
        result.claim(new Claim("Steadier layer-input distribution (the paper's view of internal covariate shift)",
                String.format(Locale.ROOT, "percentile drift %.2f with BN vs %.2f without (path length of the 15/50/85th percentiles over training, in units of their final spread)",
                        Stats.mean(driftBn), Stats.mean(driftPlain)),
                steadier == n ? Verdict.SUPPORTED : steadier == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED,
                String.format(Locale.ROOT, "steadier with BN on %d of %d seeds", steadier, n)));

        Table table = Table.of("seed", "final accuracy without BN", "final accuracy with BN", "drift without BN", "drift with BN");
        double[] accPlainEnd = new double[n];
        double[] accBnEnd = new double[n];
        for (int s = 0; s < n; s++) {
            accPlainEnd[s] = plain.get(s).run().finalAccuracy();
            accBnEnd[s] = bn.get(s).run().finalAccuracy();
            table = table.row(String.valueOf(ctx.seeds().get(s)), pct(accPlainEnd[s]), pct(accBnEnd[s]),
                    String.format(Locale.ROOT, "%.2f", driftPlain[s]), String.format(Locale.ROOT, "%.2f", driftBn[s]));
        }
        table = table.row("mean \u00b1 std", Sweeps.meanStd(accPlainEnd), Sweeps.meanStd(accBnEnd),
                String.format(Locale.ROOT, "%.2f \u00b1 %.2f", Stats.mean(driftPlain), Stats.std(driftPlain)),
                String.format(Locale.ROOT, "%.2f \u00b1 %.2f", Stats.mean(driftBn), Stats.std(driftBn)));
        result.table(table);
        result.metric("lr", LR).metric("init_sigma", SIGMA).metric("steps", steps)
                .metric("final_accuracy_plain", finalPlain).metric("final_accuracy_bn", finalBn)
                .metric("steps_to_plain_final_bn", reach)
                .metric("drift_plain", driftPlain).metric("drift_bn", driftBn);
        return result.build();
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "diverged" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    /** The 15th, 50th and 85th percentile of the tracked sigmoid's input over the probe examples, eval mode. */
    private static double[] percentiles(LabTrainer run, int sigmoid, Tensor probe, double[] scratch) {
        Tensor in = Probes.inputTo(run.model(), sigmoid, probe);
        int width = in.size(1);
        double[] q = new double[PERCENTILES.length];
        for (int k = 0; k < q.length; k++) {
            q[k] = Stats.percentile(in.data(), UNIT, in.numel(), width, PERCENTILES[k], scratch);
        }
        return q;
    }

    /** The paper's (b, c): one run's three percentile lines from step 0. */
    private static Chart percentileChart(String id, String title, long[] steps, Out run, long seed) {
        Chart.Builder c = Chart.line(id, title).axes("training step", "input to the sigmoid");
        String[] names = {"15th percentile", "50th percentile", "85th percentile"};
        double[][] q = run.trace();
        double[] x = new double[q.length];
        for (int t = 0; t < q.length; t++) {
            x[t] = steps[t];
        }
        for (int k = 0; k < PERCENTILES.length; k++) {
            double[] v = new double[q.length];
            for (int t = 0; t < v.length; t++) {
                v[t] = q[t][k];
            }
            Series s = Series.of(names[k], x, v);
            c.add(k == 1 ? s : s.dashed());
        }
        return c.caption("Seed " + seed + " (one run, as in the paper), from step 0; points every tenth of an evaluation interval "
                + "early on. The same unit and the same test examples in both networks; the spread over seeds is in the drift "
                + "column of the table.").build();
    }

    /** Per seed: sum over evaluations of |change of each percentile|, divided by the final 85-15 spread. */
    static double[] drift(List<Out> runs) {
        double[] d = new double[runs.size()];
        for (int s = 0; s < runs.size(); s++) {
            double[][] p = runs.get(s).percentiles();
            double path = 0;
            for (int t = 1; t < p.length; t++) {
                for (int k = 0; k < PERCENTILES.length; k++) {
                    path += Math.abs(p[t][k] - p[t - 1][k]);
                }
            }
            double[] last = p[p.length - 1];
            d[s] = path / Math.max(1e-12, last[2] - last[0]);
        }
        return d;
    }
}
