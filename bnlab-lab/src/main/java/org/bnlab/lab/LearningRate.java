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
import org.bnlab.train.TrainConfig;

/**
 * The paper's BN-x5 / BN-x30 (section 4.2.2): BN should tolerate much higher learning rates. First
 * the network without BN picks its best rate from a small grid (short runs); then both networks
 * train at x1, x5 and x30 that rate. A run diverges (non-finite loss or outputs) or stalls (final
 * test accuracy below {@link #STALL}); the target accuracy is {@link #TARGET_FRACTION} of the
 * baseline's final accuracy at x1.
 */
public final class LearningRate implements Experiment {
    static final double[] GRID = {0.03, 0.1, 0.3, 1.0};
    static final int[] RUNGS = {1, 5, 30};
    static final double STALL = 0.2;
    static final double TARGET_FRACTION = 0.9;

    @Override
    public String name() {
        return "learning-rate";
    }

    @Override
    public String summary() {
        return "BN-x5 / BN-x30: both networks at 1x, 5x and 30x the baseline's best learning rate";
    }

    private record Rung(boolean bn, int multiple) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long searchSteps = Math.max(10, ctx.sweepSteps() / 2);
        long steps = ctx.sweepSteps();
        int n = ctx.seeds().size();

        List<Double> grid = new ArrayList<>();
        for (double lr : GRID) {
            grid.add(lr);
        }
        List<List<RunResult>> search = Sweeps.perSetting(ctx, grid, (lr, seed) -> {
            ctx.log().printf("  learning-rate: search, no BN, lr %s, seed %d, %d steps%n", Sweeps.num(lr), seed, searchSteps);
            return LabRun.train(ctx, config(ctx, false, lr, searchSteps, (int) searchSteps, seed), null);
        });
        double[] searchAcc = new double[GRID.length];
        double[] searchStd = new double[GRID.length];
        int best = 0;
        for (int i = 0; i < GRID.length; i++) {
            double[] f = Sweeps.finalAccuracies(search.get(i));
            searchAcc[i] = Stats.mean(f);
            searchStd[i] = Stats.std(f);
            // A diverged point never wins; ties go to the smaller rate.
            if (!Double.isNaN(searchAcc[i]) && (Double.isNaN(searchAcc[best]) || searchAcc[i] > searchAcc[best])) {
                best = i;
            }
        }
        double baseLr = GRID[best];

        List<Rung> rungs = new ArrayList<>();
        for (boolean bn : new boolean[] {false, true}) {
            for (int m : RUNGS) {
                rungs.add(new Rung(bn, m));
            }
        }
        int evalEvery = ctx.evalEvery(steps, 20);
        List<List<RunResult>> runs = Sweeps.perSetting(ctx, rungs, (rung, seed) -> {
            double lr = baseLr * rung.multiple();
            ctx.log().printf("  learning-rate: %s x%d (lr %s), seed %d, %d steps%n",
                    rung.bn() ? "BN" : "no BN", rung.multiple(), Sweeps.num(lr), seed, steps);
            return LabRun.train(ctx, config(ctx, rung.bn(), lr, steps, evalEvery, seed), null);
        });

        double target = TARGET_FRACTION * Stats.mean(Sweeps.finalAccuracies(runs.get(0)));
        String[] netNames = {"without BN", "with BN"};
        double[][] finalMean = new double[2][RUNGS.length];
        double[][] finalStd = new double[2][RUNGS.length];
        double[][] toTarget = new double[2][RUNGS.length];
        int[] highestWorking = {-1, -1};
        Table table = Table.of("network", "learning rate", "diverged (seeds)", "stalled (seeds)", "final test accuracy", "steps to target");
        Chart.Builder[] curves = new Chart.Builder[2];
        List<String> categories = new ArrayList<>();
        for (int m : RUNGS) {
            categories.add(String.format(Locale.ROOT, "x%d (lr %s)", m, Sweeps.num(baseLr * m)));
        }
        for (int net = 0; net < 2; net++) {
            curves[net] = Chart.line(net == 0 ? "accuracy-plain" : "accuracy-bn", "Test accuracy vs steps, " + netNames[net])
                    .axes("training step", "test accuracy");
            for (int k = 0; k < RUNGS.length; k++) {
                List<RunResult> rs = runs.get(net * RUNGS.length + k);
                double[] f = Sweeps.finalAccuracies(rs);
                finalMean[net][k] = Stats.mean(f);
                finalStd[net][k] = Stats.std(f);
                Series curve = Sweeps.accuracyCurve(categories.get(k), rs);
                toTarget[net][k] = Stats.firstReach(curve.x(), curve.y(), target);
                int diverged = 0;
                int stalled = 0;
                int reached = 0;
                for (RunResult r : rs) {
                    if (r.diverged()) {
                        diverged++;
                    } else if (r.finalAccuracy() < STALL) {
                        stalled++;
                    }
                    if (!r.diverged() && !Double.isNaN(Stats.firstReach(r.stepsAsDouble(), r.testAccuracy(), target))) {
                        reached++;
                    }
                }
                if (reached == n) {
                    highestWorking[net] = k;
                }
                curves[net].add(k == 0 ? curve.withMarkers() : k == 1 ? curve.dashed() : curve.dotted());
                table = table.row(netNames[net], categories.get(k), diverged + " of " + n, stalled + " of " + n, Sweeps.meanStd(f),
                        Double.isNaN(toTarget[net][k]) ? "not reached" : String.format(Locale.ROOT, "%,.0f", toTarget[net][k]));
            }
        }
        Chart bars = Chart.bar("final-accuracy", "Final test accuracy per learning-rate rung", categories)
                .axes("learning rate (multiple of the baseline's best)", "final test accuracy")
                .add(Series.bars("without BN", finalMean[0]).withStd(finalStd[0]))
                .add(Series.bars("with BN", finalMean[1]).withStd(finalStd[1]))
                .caption("Mean of " + n + " seed(s); error bars: \u00b11 std. A missing bar: some seed diverged.")
                .build();
        Chart searchChart = Chart.line("lr-search", "Baseline (no BN) learning-rate search")
                .axes("learning rate", "final test accuracy").logX()
                .add(Series.of("without BN, " + searchSteps + " steps", GRID, searchAcc).withStd(searchStd).withMarkers())
                .caption(String.format(Locale.ROOT, "Best: lr %s (%s).", Sweeps.num(baseLr), Figure1.pct(searchAcc[best])))
                .build();

        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Higher learning rates (BN-x5, BN-x30)")
                .description(String.format(Locale.ROOT,
                        "784-100-100-100-10 sigmoid MLP, weights N(0, %s), SGD batch 60, on %s (%,d train / %,d test), seeds %s. "
                                + "Step 1: the network without BN is trained at each lr in %s for %,d steps (half the sweep length) "
                                + "and the lr with the best mean final test accuracy is kept: %s. Step 2: both networks are trained "
                                + "at x1, x5 and x30 that lr for %,d steps (the sweep length, a third of the main runs). "
                                + "Diverged: non-finite loss or outputs. Stalled: final test accuracy below %.0f%%. "
                                + "Target: %.0f%% of the baseline's x1 final accuracy = %s.",
                        Figure1.SIGMA, ctx.data().name(), ctx.data().train().size(), ctx.data().test().size(), ctx.seeds(),
                        java.util.Arrays.toString(GRID), searchSteps, Sweeps.num(baseLr), steps, 100 * STALL,
                        100 * TARGET_FRACTION, Figure1.pct(target)))
                .chart(curves[0].caption("Mean of " + n + " seed(s); band: \u00b11 std; a curve stops where a run diverged.").build())
                .chart(curves[1].caption("Mean of " + n + " seed(s); band: \u00b11 std; a curve stops where a run diverged.").build())
                .chart(bars)
                .chart(searchChart)
                .table(table);

        // Tolerance: the highest rung at which every seed reaches the target without diverging.
        String worksPlain = highestWorking[0] < 0 ? "none" : "x" + RUNGS[highestWorking[0]];
        String worksBn = highestWorking[1] < 0 ? "none" : "x" + RUNGS[highestWorking[1]];
        Verdict tolerance = highestWorking[1] <= highestWorking[0] ? Verdict.NOT_SUPPORTED
                : highestWorking[1] == RUNGS.length - 1 ? Verdict.SUPPORTED : Verdict.MIXED;
        result.claim(new Claim("Tolerates much higher learning rates",
                String.format(Locale.ROOT, "highest rung reaching the target on every seed: %s with BN, %s without; final accuracy at x30: %s with BN, %s without",
                        worksBn, worksPlain, Figure1.pct(finalMean[1][RUNGS.length - 1]), Figure1.pct(finalMean[0][RUNGS.length - 1])),
                tolerance,
                "rule: SUPPORTED if BN works up to x30 and higher than the baseline, NOT_SUPPORTED if not higher than the baseline, else MIXED"));

        // Speed: the x5 and x30 BN networks against BN's own x1 final accuracy (the paper's BN-x5 vs BN-Baseline).
        double bnBase = finalMean[1][0];
        double[] toBnBase = new double[RUNGS.length];
        int faster = 0;
        for (int k = 0; k < RUNGS.length; k++) {
            Series c = Sweeps.accuracyCurve("x" + RUNGS[k], runs.get(RUNGS.length + k));
            toBnBase[k] = Stats.firstReach(c.x(), c.y(), bnBase);
            if (k > 0 && toBnBase[k] < steps) {
                faster++;
            }
        }
        result.claim(new Claim("A higher learning rate makes the BN network train faster",
                String.format(Locale.ROOT, "steps for the BN network to reach its own x1 final accuracy %s: %s at x5, %s at x30 (of %,d)",
                        Figure1.pct(bnBase), steps(toBnBase[1]), steps(toBnBase[2]), steps),
                Sweeps.faster(Sweeps.bySeeds(faster, RUNGS.length - 1),
                        Math.min(finalMean[1][1], finalMean[1][2]) < bnBase, ctx),
                String.format(Locale.ROOT, "rule: reached before the last step at both higher rungs = SUPPORTED, at neither = "
                        + "NOT_SUPPORTED, else MIXED (mean curves)%s; here %d of %d", Sweeps.FASTER_RULE, faster, RUNGS.length - 1)));

        result.metric("search_steps", searchSteps).metric("search_lr", GRID).metric("search_final_accuracy", searchAcc)
                .metric("base_lr", baseLr).metric("steps", steps).metric("multiples", RUNGS).metric("target_accuracy", target)
                .metric("final_accuracy_plain", finalMean[0]).metric("final_accuracy_bn", finalMean[1])
                .metric("steps_to_target_plain", toTarget[0]).metric("steps_to_target_bn", toTarget[1])
                .metric("bn_steps_to_bn_x1_final", toBnBase);
        return result.build();
    }

    private static String steps(double s) {
        return Double.isNaN(s) ? "never" : String.format(Locale.ROOT, "%,.0f", s);
    }

    private static TrainConfig config(LabContext ctx, boolean bn, double lr, long steps, int evalEvery, long seed) {
        return TrainConfig.paper(ctx.data().name(), ModelSpec.paperMlp(bn, Figure1.SIGMA), lr, steps, evalEvery, seed);
    }
}
