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
 * Sensitivity to initialization: the paper's MLP with weights N(0, sigma) for sigma over four
 * decades, with and without BN, at a fixed learning rate. BN makes each layer's output invariant to
 * the scale of its weights (BN(aWu) = BN(Wu)), so its accuracy should barely depend on sigma.
 * Sensitivity is measured as the range (max - min) of the mean final test accuracy over the sigmas;
 * a diverged setting counts as chance level (1 / classes) there.
 */
public final class InitScale implements Experiment {
    static final double[] SIGMAS = {0.01, 0.1, 1, 10};

    @Override
    public String name() {
        return "init";
    }

    @Override
    public String summary() {
        return "final accuracy against the weight-init scale sigma in {0.01, 0.1, 1, 10}, with and without BN";
    }

    private record Setting(boolean bn, double sigma) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long steps = ctx.sweepSteps();
        int n = ctx.seeds().size();
        List<Setting> settings = new ArrayList<>();
        for (boolean bn : new boolean[] {false, true}) {
            for (double s : SIGMAS) {
                settings.add(new Setting(bn, s));
            }
        }
        List<List<RunResult>> runs = Sweeps.perSetting(ctx, settings, (s, seed) -> {
            ctx.log().printf("  init: %s, sigma %s, seed %d, %d steps%n", s.bn() ? "BN" : "no BN", Sweeps.num(s.sigma()), seed, steps);
            return LabRun.train(ctx, TrainConfig.paper(ctx.data().name(), ModelSpec.paperMlp(s.bn(), s.sigma()),
                    Figure1.LR, steps, (int) steps, seed), null);
        });

        double chance = 1.0 / ctx.data().classes();
        String[] netNames = {"without BN", "with BN"};
        double[][] mean = new double[2][SIGMAS.length];
        double[][] std = new double[2][SIGMAS.length];
        double[] range = new double[2];
        double[] worst = new double[2];
        Table table = Table.of("network", "sigma", "diverged (seeds)", "final test accuracy");
        for (int net = 0; net < 2; net++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < SIGMAS.length; k++) {
                List<RunResult> rs = runs.get(net * SIGMAS.length + k);
                double[] f = Sweeps.finalAccuracies(rs);
                mean[net][k] = Stats.mean(f);
                std[net][k] = Stats.std(f);
                double counted = Double.isNaN(mean[net][k]) ? chance : mean[net][k];
                lo = Math.min(lo, counted);
                hi = Math.max(hi, counted);
                long diverged = rs.stream().filter(RunResult::diverged).count();
                table = table.row(netNames[net], Sweeps.num(SIGMAS[k]), diverged + " of " + n, Sweeps.meanStd(f));
            }
            range[net] = hi - lo;
            worst[net] = lo;
        }

        Chart chart = Chart.line("accuracy-vs-sigma", "Final test accuracy vs weight-init scale")
                .axes("sigma of the N(0, sigma) initial weights", "final test accuracy").logX()
                .add(Series.of("without BN", SIGMAS, mean[0]).withStd(std[0]).withMarkers().dashed())
                .add(Series.of("with BN", SIGMAS, mean[1]).withStd(std[1]).withMarkers())
                .caption("Mean of " + n + " seed(s) after " + String.format(Locale.ROOT, "%,d", steps)
                        + " steps; band: \u00b11 std. A gap: some seed diverged.")
                .build();

        // Less sensitive: BN's range is under half the baseline's and its worst sigma is no worse.
        Verdict v = range[1] >= range[0] ? Verdict.NOT_SUPPORTED
                : range[1] < range[0] / 2 && worst[1] >= worst[0] ? Verdict.SUPPORTED : Verdict.MIXED;
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Sensitivity to the initial weight scale")
                .description(String.format(Locale.ROOT,
                        "784-100-100-100-10 sigmoid MLP, weights N(0, sigma) for sigma in %s, with and without BN, "
                                + "SGD lr %s, batch 60, %,d steps (the sweep length, a third of the main runs), seeds %s, "
                                + "on %s (%,d train / %,d test). Final test accuracy after the last step.",
                        java.util.Arrays.toString(SIGMAS), Sweeps.num(Figure1.LR), steps, ctx.seeds(), ctx.data().name(),
                        ctx.data().train().size(), ctx.data().test().size()))
                .chart(chart)
                .table(table)
                .claim(new Claim("Less sensitive to initialization",
                        String.format(Locale.ROOT, "range of the final accuracy over the sigmas: %.1f points with BN (worst %s), "
                                        + "%.1f points without (worst %s)",
                                100 * range[1], Figure1.pct(worst[1]), 100 * range[0], Figure1.pct(worst[0])),
                        v,
                        "rule: SUPPORTED if BN's range is under half the baseline's and its worst sigma is no worse; "
                                + "NOT_SUPPORTED if its range is not smaller; else MIXED (diverged = chance level)"));
        result.metric("lr", Figure1.LR).metric("steps", steps).metric("sigmas", SIGMAS)
                .metric("final_accuracy_plain", mean[0]).metric("final_accuracy_bn", mean[1])
                .metric("range_plain", range[0]).metric("range_bn", range[1]);
        return result.build();
    }
}
