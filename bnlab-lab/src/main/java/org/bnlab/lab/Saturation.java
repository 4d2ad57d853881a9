package org.bnlab.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Table;
import org.bnlab.lab.report.Verdict;
import org.bnlab.nn.Module;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.TrainingListener;

/**
 * Saturation of the nonlinearities (section 3 of the paper: BN keeps sigmoid inputs out of the
 * saturated regime). A unit's input x is saturated when the nonlinearity's derivative there is below
 * {@link #DERIVATIVE_FRACTION} of its maximum: sigmoid'(x) = s(1 - s) < 0.05 * 1/4 gives
 * |x| > 2 atanh(sqrt(0.95)) = 4.36; tanh'(x) = 1 - tanh^2 < 0.05 gives |x| > atanh(sqrt(0.95)) = 2.18.
 * ReLU, for comparison, has zero derivative for x <= 0. The fraction is over every (example, unit)
 * of all hidden layers, on a fixed probe batch of test examples, in eval mode.
 */
public final class Saturation implements Experiment {
    static final double DERIVATIVE_FRACTION = 0.05;
    static final double SIGMOID_LIMIT = 2 * atanh(Math.sqrt(1 - DERIVATIVE_FRACTION));
    static final double TANH_LIMIT = atanh(Math.sqrt(1 - DERIVATIVE_FRACTION));
    static final List<String> ACTIVATIONS = List.of("sigmoid", "tanh", "relu");
    static final int PROBE_EXAMPLES = 500;
    /** The claim's bar for "does not saturate": at most this fraction of saturated inputs at the end. */
    static final double LOW = 0.05;

    @Override
    public String name() {
        return "saturation";
    }

    @Override
    public String summary() {
        return "fraction of saturated sigmoid/tanh inputs (and inactive ReLU inputs) over training, with and without BN";
    }

    private record Setting(String activation, boolean bn) {}

    /** Fraction of saturated inputs at step 0 and at every evaluation (NaN after a divergence). */
    private record Out(RunResult run, double[] saturated) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long steps = ctx.sweepSteps();
        int evalEvery = ctx.evalEvery(steps, 20);
        int n = ctx.seeds().size();
        Tensor probe = Probes.firstExamples(ctx.data().test(), PROBE_EXAMPLES);
        List<Setting> settings = new ArrayList<>();
        for (String a : ACTIVATIONS) {
            settings.add(new Setting(a, false));
            settings.add(new Setting(a, true));
        }
        List<List<Out>> outs = Sweeps.perSetting(ctx, settings, (s, seed) -> {
            ctx.log().printf("  saturation: %s, %s, seed %d, %d steps%n", s.activation(), s.bn() ? "BN" : "no BN", seed, steps);
            ModelSpec spec = new ModelSpec("mlp", 1, 28, 28, 10, List.of(100, 100, 100), s.activation(), s.bn(), "normal", Figure1.SIGMA, 0);
            LabTrainer run = LabTrainer.of(ctx, TrainConfig.paper(ctx.data().name(), spec, Figure1.LR, steps, evalEvery, seed));
            Tensor probeCopy = probe.copy();
            List<Double> sat = new ArrayList<>();
            sat.add(saturatedFraction(run.model(), s.activation(), probeCopy));
            RunResult r = LabRun.train(run, TrainingListener.onEval((t, p) -> sat.add(saturatedFraction(run.model(), s.activation(), probeCopy))));
            double[] v = new double[r.steps().length + 1];
            Arrays.fill(v, Double.NaN);
            for (int i = 0; i < sat.size(); i++) {
                v[i] = sat.get(i);
            }
            return new Out(r, v);
        });

        double[] x = new double[outs.get(0).get(0).saturated().length];
        System.arraycopy(outs.get(0).get(0).run().stepsAsDouble(), 0, x, 1, x.length - 1);
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Saturation of sigmoid and tanh, with and without BN")
                .description(String.format(Locale.ROOT,
                        "784-100-100-100-10 MLP with sigmoid, tanh or ReLU, weights N(0, %s), with and without BN, SGD lr %s, batch 60, "
                                + "%,d steps (the sweep length, a third of the main runs), seeds %s, on %s (%,d train / %,d test). "
                                + "Saturated: the derivative of the nonlinearity at the unit's input is below %.0f%% of its maximum, "
                                + "i.e. |x| > %.2f for sigmoid and |x| > %.2f for tanh; for ReLU the fraction of inputs <= 0 (zero derivative). "
                                + "Measured over all (example, unit) pairs of the three hidden layers on the first %d test examples, "
                                + "in eval mode (BN with running statistics), before training and at every evaluation. "
                                + "\"Final\" is the last measurement before the end or a divergence.",
                        Figure1.SIGMA, Sweeps.num(Figure1.LR), steps, ctx.seeds(), ctx.data().name(), ctx.data().train().size(),
                        ctx.data().test().size(), 100 * DERIVATIVE_FRACTION, SIGMOID_LIMIT, TANH_LIMIT, PROBE_EXAMPLES));

        Table table = Table.of("activation", "network", "saturated at step 0", "saturated at the end", "diverged (seeds)", "final test accuracy");
        double[][] accMean = new double[2][ACTIVATIONS.size()];
        double[][] accStd = new double[2][ACTIVATIONS.size()];
        double[][] finalSat = new double[2][ACTIVATIONS.size()];
        int[] lowerOnSeeds = new int[ACTIVATIONS.size()];
        for (int a = 0; a < ACTIVATIONS.size(); a++) {
            String act = ACTIVATIONS.get(a);
            Chart.Builder c = Chart.line("saturation-" + act,
                            act.equals("relu") ? "ReLU: fraction of inputs <= 0" : "Saturated " + act + " inputs")
                    .axes("training step", act.equals("relu") ? "fraction of inputs <= 0" : "fraction saturated");
            double[][] perSeedFinal = new double[2][];
            for (int bn = 0; bn < 2; bn++) {
                List<Out> os = outs.get(2 * a + bn);
                List<double[]> curves = new ArrayList<>();
                double[] last = new double[n];
                double[] first = new double[n];
                for (int s = 0; s < n; s++) {
                    double[] v = os.get(s).saturated();
                    curves.add(v);
                    first[s] = v[0];
                    last[s] = lastFinite(v);
                }
                perSeedFinal[bn] = last;
                finalSat[bn][a] = Stats.mean(last);
                String net = bn == 1 ? "with BN" : "without BN";
                Series sr = Series.of(net, x, Stats.mean(curves)).withStd(Stats.std(curves));
                c.add(bn == 1 ? sr : sr.dashed());
                double[] f = Sweeps.finalAccuracies(os.stream().map(Out::run).toList());
                accMean[bn][a] = Stats.mean(f);
                accStd[bn][a] = Stats.std(f);
                long diverged = os.stream().filter(o -> o.run().diverged()).count();
                table = table.row(act, net, fraction(Stats.mean(first)), fraction(finalSat[bn][a]), diverged + " of " + n, Sweeps.meanStd(f));
            }
            for (int s = 0; s < n; s++) {
                if (perSeedFinal[1][s] < perSeedFinal[0][s]) {
                    lowerOnSeeds[a]++;
                }
            }
            result.chart(c.caption("Mean of " + n + " seed(s); band: \u00b11 std; the first point is before training.").build());
        }
        result.chart(Chart.bar("final-accuracy", "Final test accuracy by nonlinearity", ACTIVATIONS)
                .axes("nonlinearity", "final test accuracy")
                .add(Series.bars("without BN", accMean[0]).withStd(accStd[0]))
                .add(Series.bars("with BN", accMean[1]).withStd(accStd[1]))
                .caption("Mean of " + n + " seed(s); error bars: \u00b11 std. A missing bar: some seed diverged.")
                .build());
        result.table(table);

        // Sigmoid and tanh: BN is "not saturated" if its final fraction is at most LOW and below the
        // baseline's on every seed.
        int ok = 0;
        int lower = 0;
        for (int a = 0; a < 2; a++) {
            if (lowerOnSeeds[a] == n) {
                lower++;
                if (finalSat[1][a] <= LOW) {
                    ok++;
                }
            }
        }
        Verdict v = ok == 2 ? Verdict.SUPPORTED : lower == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED;
        result.claim(new Claim("Sigmoid/tanh networks do not saturate with BN",
                String.format(Locale.ROOT, "saturated at the end: sigmoid %s with BN vs %s without, tanh %s vs %s; "
                                + "final accuracy: sigmoid %s with BN vs %s without, tanh %s vs %s",
                        fraction(finalSat[1][0]), fraction(finalSat[0][0]), fraction(finalSat[1][1]), fraction(finalSat[0][1]),
                        Figure1.pct(accMean[1][0]), Figure1.pct(accMean[0][0]), Figure1.pct(accMean[1][1]), Figure1.pct(accMean[0][1])),
                v,
                String.format(Locale.ROOT, "rule: SUPPORTED if for both sigmoid and tanh BN ends at most %.0f%% saturated and below the "
                        + "baseline on every seed; NOT_SUPPORTED if below on every seed for neither; else MIXED", 100 * LOW)));
        result.metric("lr", Figure1.LR).metric("init_sigma", Figure1.SIGMA).metric("steps", steps)
                .metric("sigmoid_limit", SIGMOID_LIMIT).metric("tanh_limit", TANH_LIMIT).metric("activations", ACTIVATIONS)
                .metric("final_saturated_plain", finalSat[0]).metric("final_saturated_bn", finalSat[1])
                .metric("final_accuracy_plain", accMean[0]).metric("final_accuracy_bn", accMean[1]);
        return result.build();
    }

    /** Fraction of (example, unit) inputs of every hidden nonlinearity in the saturated (or, for ReLU, zero-gradient) range. */
    static double saturatedFraction(Sequential model, String activation, Tensor probe) {
        Class<? extends Module> type = activation.equals("sigmoid") ? Sigmoid.class : activation.equals("tanh") ? Tanh.class : ReLU.class;
        double limit = activation.equals("sigmoid") ? SIGMOID_LIMIT : TANH_LIMIT;
        boolean relu = activation.equals("relu");
        long saturated = 0;
        long total = 0;
        List<Module> mods = model.modules();
        for (int i = 0; i < mods.size(); i++) {
            if (!type.isInstance(mods.get(i))) {
                continue;
            }
            Tensor in = Probes.inputTo(model, i, probe);
            float[] d = in.data();
            int count = in.numel();
            for (int j = 0; j < count; j++) {
                if (relu ? d[j] <= 0 : Math.abs(d[j]) > limit) {
                    saturated++;
                }
            }
            total += count;
        }
        return (double) saturated / total;
    }

    private static double lastFinite(double[] v) {
        for (int i = v.length - 1; i >= 0; i--) {
            if (Double.isFinite(v[i])) {
                return v[i];
            }
        }
        return Double.NaN;
    }

    private static String fraction(double f) {
        return Double.isNaN(f) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * f);
    }

    private static double atanh(double y) {
        return 0.5 * Math.log((1 + y) / (1 - y));
    }
}
