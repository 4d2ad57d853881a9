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
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.EvalPoint;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/**
 * Internal covariate shift measured two ways, on the paper's MLP without BN, with BN, and with
 * "noisy BN" ({@link NoisyShift} after each BN), following Santurkar et al. 2018 (arXiv 1805.11604).
 *
 * <p>Gradient-based ICS of Linear layer i at step t (their definition 2.1): G = dL/dW_i at the step-t
 * parameters on batch B_t; G' = dL/dW_i on the same batch when the modules before layer i hold their
 * step-(t+1) parameters and layer i onward its step-t parameters. Reported: ||G - G'||_2, the
 * relative change ||G - G'||_2 / ||G||_2 and cos(G, G'). The verdict uses the relative change: BN's
 * weight gradients are smaller overall, so the raw norm would credit BN with less shift merely for
 * its gradient scale. For the first Linear nothing precedes it, so G' = G exactly (a built-in check).
 *
 * <p>The paper's view: the drift of each sigmoid's input distribution over a fixed probe set (eval
 * mode), between consecutive evaluations: mean_u(|d mu_u| + |d sigma_u|) / mean_u(sigma_u), averaged
 * over the three hidden layers.
 */
public final class Ics implements Experiment {
    static final int PROBE_EXAMPLES = 1000;
    /** About this many gradient-based ICS measurements per run. */
    static final int MEASUREMENTS = 100;

    enum Net {
        PLAIN("without BN"), BN("with BN"), NOISY("noisy BN");

        final String label;

        Net(String label) {
            this.label = label;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Override
    public String name() {
        return "ics";
    }

    @Override
    public String summary() {
        return "internal covariate shift, gradient-based (Santurkar et al.) and distributional, without BN, with BN, with noisy BN";
    }


    record Out(RunResult run, double[][] l2, double[][] rel, double[][] cos, double[] drift) {}

    /** The paper's MLP for {@code net}; noisy BN inserts a {@link NoisyShift} after each BatchNorm. */
    static LabTrainer trainer(LabContext ctx, Net net, long steps, int evalEvery, long seed) {
        TrainConfig cfg = TrainConfig.paper(ctx.data().name(), ModelSpec.paperMlp(net != Net.PLAIN, Figure1.SIGMA),
                Figure1.LR, steps, evalEvery, seed);
        Sequential model = Models.build(cfg.model(), seed);
        if (net == Net.NOISY) {
            List<Module> mods = new ArrayList<>();
            for (Module m : model.modules()) {
                mods.add(m);
                if (m instanceof BatchNorm) {
                    mods.add(new NoisyShift(seed * 31 + mods.size()));
                }
            }
            model = new Sequential(mods.toArray(new Module[0]));
        }
        return LabTrainer.of(ctx, cfg, model);
    }

    /** At most {@link #MEASUREMENTS} measurements and at most one per 5 steps (short runs stay cheap). */
    static int measureEvery(long steps) {
        return (int) Math.max(5, steps / MEASUREMENTS);
    }

    /** Module index of each parameter, from its state_dict name ("3.weight" -> 3). */
    static int[] moduleOf(List<Parameter> params) {
        int[] m = new int[params.size()];
        for (int i = 0; i < m.length; i++) {
            String n = params.get(i).name();
            m[i] = Integer.parseInt(n.substring(0, n.indexOf('.')));
        }
        return m;
    }

    /** Gradient-based ICS of every Linear layer; one row per measurement. */
    static final class GradientIcs implements MeasuredRun.Measurement {
        final List<double[]> l2 = new ArrayList<>();
        final List<double[]> rel = new ArrayList<>();
        final List<double[]> cos = new ArrayList<>();
        private final CrossEntropyLoss loss = new CrossEntropyLoss();
        private final List<Parameter> params;
        private final int[] moduleOf;
        private final int[] linearModule;
        private final int[] weightParam;
        private final float[][] g;
        private final float[][] gShifted;

        GradientIcs(Sequential model) {
            params = model.parameters();
            moduleOf = moduleOf(params);
            List<Integer> lin = new ArrayList<>();
            for (int i = 0; i < model.size(); i++) {
                if (model.get(i) instanceof Linear) {
                    lin.add(i);
                }
            }
            linearModule = lin.stream().mapToInt(Integer::intValue).toArray();
            weightParam = new int[linearModule.length];
            for (int k = 0; k < linearModule.length; k++) {
                weightParam[k] = -1;
                for (int p = 0; p < params.size(); p++) {
                    if (params.get(p).name().equals(linearModule[k] + ".weight")) {
                        weightParam[k] = p;
                    }
                }
            }
            g = Snapshot.gradBuffers(params);
            gShifted = Snapshot.gradBuffers(params);
        }

        @Override
        public void measure(Sequential model, Trainer t, Snapshot before, Snapshot after) {
            Tensor x = t.batches().images();
            int[] y = t.batches().labels();
            before.restore(model);
            Snapshot.lossAndGrad(model, loss, x, y, params, g);
            double[] d = new double[linearModule.length];
            double[] r = new double[linearModule.length];
            double[] c = new double[linearModule.length];
            for (int k = 0; k < linearModule.length; k++) {
                for (int p = 0; p < params.size(); p++) {
                    Snapshot src = moduleOf[p] < linearModule[k] ? after : before;
                    float[] v = src.get(params.get(p).name());
                    System.arraycopy(v, 0, params.get(p).data(), 0, v.length);
                }
                Snapshot.lossAndGrad(model, loss, x, y, params, gShifted);
                float[] a = g[weightParam[k]];
                float[] b = gShifted[weightParam[k]];
                double diff = 0;
                double dot = 0;
                double na = 0;
                double nb = 0;
                for (int j = 0; j < a.length; j++) {
                    double e = (double) a[j] - b[j];
                    diff += e * e;
                    dot += (double) a[j] * b[j];
                    na += (double) a[j] * a[j];
                    nb += (double) b[j] * b[j];
                }
                d[k] = Math.sqrt(diff);
                r[k] = d[k] / Math.max(1e-300, Math.sqrt(na));
                c[k] = dot / Math.max(1e-300, Math.sqrt(na * nb));
            }
            l2.add(d);
            rel.add(r);
            cos.add(c);
        }
    }

    /** The paper's view: movement of each sigmoid input's per-unit mean and std over a probe set. */
    static final class Drift implements TrainingListener {
        final List<Double> drift = new ArrayList<>();
        private final Sequential model;
        private final Tensor probe;
        private double[][] prevMean;
        private double[][] prevStd;

        Drift(Sequential model, Tensor probe) {
            this.model = model;
            this.probe = probe;
            record(model);
        }

        @Override
        public void onEval(Trainer t, EvalPoint p) {
            double[][] m0 = prevMean;
            double[][] s0 = prevStd;
            record(model);
            double sum = 0;
            for (int l = 0; l < m0.length; l++) {
                double move = 0;
                double spread = 0;
                for (int u = 0; u < m0[l].length; u++) {
                    move += Math.abs(prevMean[l][u] - m0[l][u]) + Math.abs(prevStd[l][u] - s0[l][u]);
                    spread += s0[l][u];
                }
                sum += move / Math.max(1e-12, spread);
            }
            drift.add(sum / m0.length);
        }

        private void record(Sequential model) {
            List<double[]> means = new ArrayList<>();
            List<double[]> stds = new ArrayList<>();
            Tensor h = probe;
            for (Module m : model.modules()) {
                if (m instanceof Sigmoid) {
                    int n = h.size(0);
                    int c = h.size(1);
                    double[] mu = new double[c];
                    double[] sd = new double[c];
                    float[] v = h.data();
                    for (int i = 0; i < n; i++) {
                        for (int u = 0; u < c; u++) {
                            mu[u] += v[i * c + u];
                        }
                    }
                    for (int u = 0; u < c; u++) {
                        mu[u] /= n;
                    }
                    for (int i = 0; i < n; i++) {
                        for (int u = 0; u < c; u++) {
                            double e = v[i * c + u] - mu[u];
                            sd[u] += e * e;
                        }
                    }
                    for (int u = 0; u < c; u++) {
                        sd[u] = Math.sqrt(sd[u] / n);
                    }
                    means.add(mu);
                    stds.add(sd);
                }
                h = m.forwardBuffered(h, false);
            }
            prevMean = means.toArray(new double[0][]);
            prevStd = stds.toArray(new double[0][]);
        }
    }

    @Override
    public ExperimentResult run(LabContext ctx) {
        long wallStart = System.nanoTime();
        long steps = ctx.sweepSteps();
        int evalEvery = ctx.evalEvery(steps, 20);
        int every = measureEvery(steps);
        int nMeasure = (int) (steps / every);
        Tensor probe = Probes.firstExamples(ctx.data().test(), PROBE_EXAMPLES);
        // measure: every network, every seed
        List<List<Out>> outs = Sweeps.perSetting(ctx, List.of(Net.values()), (net, seed) -> {
            ctx.log().printf("  ics: %s, seed %d, %d steps%n", net.label, seed, steps);
            LabTrainer trainer = trainer(ctx, net, steps, evalEvery, seed);
            GradientIcs ics = new GradientIcs(trainer.model());
            Drift drift = new Drift(trainer.model(), probe.copy());
            RunResult r = MeasuredRun.train(trainer, every, ics, drift);
            return new Out(r, pad(ics.l2, nMeasure), pad(ics.rel, nMeasure), pad(ics.cos, nMeasure),
                    drift.drift.stream().mapToDouble(Double::doubleValue).toArray());
        });
        // aggregate and report
        int layers = outs.get(0).get(0).l2()[0].length;

        double[] xm = new double[nMeasure];
        for (int i = 0; i < nMeasure; i++) {
            xm[i] = (double) (i + 1) * every;
        }
        double[] xe = outs.get(0).get(0).run().stepsAsDouble();
        int seeds = ctx.seeds().size();
        Chart.Builder l2Chart = Chart.line("ics-l2", "Gradient-based ICS ||G - G'||, mean of Linear layers 2.." + layers)
                .axes("training step", "||G - G'||_2").logY();
        Chart.Builder relChart = Chart.line("ics-relative", "Relative gradient-based ICS ||G - G'|| / ||G||, mean of Linear layers 2.." + layers)
                .axes("training step", "||G - G'||_2 / ||G||_2").logY();
        Chart.Builder cosChart = Chart.line("ics-cos", "cos(G, G'), mean of Linear layers 2.." + layers)
                .axes("training step", "cosine similarity");
        Chart.Builder accChart = Chart.line("accuracy", "Test accuracy").axes("training step", "test accuracy");
        Chart.Builder driftChart = Chart.line("drift", "The paper's view: drift of the sigmoid inputs' distribution between evaluations")
                .axes("training step", "relative drift of per-unit mean and std").logY();
        Table table = Table.of("network", "layer", "||G - G'|| (mean)", "||G - G'|| / ||G|| (mean)", "cos(G, G') (mean)");
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Internal covariate shift: gradient-based (Santurkar et al.) and distributional");

        double[][] icsPerSeed = new double[Net.values().length][];
        double[][] relPerSeed = new double[Net.values().length][];
        double[][] cosPerSeed = new double[Net.values().length][];
        double[][] accPerSeed = new double[Net.values().length][];
        double[][] driftPerSeed = new double[Net.values().length][];
        for (Net net : Net.values()) {
            List<Out> mine = outs.get(net.ordinal());
            List<double[]> l2 = new ArrayList<>();
            List<double[]> rel = new ArrayList<>();
            List<double[]> cos = new ArrayList<>();
            List<double[]> acc = new ArrayList<>();
            List<double[]> dr = new ArrayList<>();
            double[][] byLayerL2 = new double[mine.size()][];
            double[][] byLayerRel = new double[mine.size()][];
            double[][] byLayerCos = new double[mine.size()][];
            for (int s = 0; s < mine.size(); s++) {
                Out o = mine.get(s);
                l2.add(meanOverLayers(o.l2()));
                rel.add(meanOverLayers(o.rel()));
                cos.add(meanOverLayers(o.cos()));
                acc.add(o.run().testAccuracy());
                dr.add(o.drift());
                byLayerL2[s] = meanOverMeasurements(o.l2());
                byLayerRel[s] = meanOverMeasurements(o.rel());
                byLayerCos[s] = meanOverMeasurements(o.cos());
            }
            int n = net.ordinal();
            icsPerSeed[n] = l2.stream().mapToDouble(Stats::mean).toArray();
            relPerSeed[n] = rel.stream().mapToDouble(Stats::mean).toArray();
            cosPerSeed[n] = cos.stream().mapToDouble(Stats::mean).toArray();
            accPerSeed[n] = mine.stream().mapToDouble(o -> o.run().finalAccuracy()).toArray();
            driftPerSeed[n] = dr.stream().mapToDouble(d -> Arrays.stream(d).sum()).toArray();
            Series l2s = Series.of(net.label, xm, Stats.mean(l2)).withStd(Stats.std(l2));
            Series rels = Series.of(net.label, xm, Stats.mean(rel)).withStd(Stats.std(rel));
            Series coss = Series.of(net.label, xm, Stats.mean(cos)).withStd(Stats.std(cos));
            Series accs = Series.of(net.label, xe, Stats.mean(acc)).withStd(Stats.std(acc));
            Series drs = Series.of(net.label, Arrays.copyOf(xe, dr.get(0).length), Stats.mean(dr)).withStd(Stats.std(dr));
            l2Chart.add(net == Net.PLAIN ? l2s.dashed() : net == Net.NOISY ? l2s.dotted() : l2s);
            relChart.add(net == Net.PLAIN ? rels.dashed() : net == Net.NOISY ? rels.dotted() : rels);
            cosChart.add(net == Net.PLAIN ? coss.dashed() : net == Net.NOISY ? coss.dotted() : coss);
            accChart.add(net == Net.PLAIN ? accs.dashed() : net == Net.NOISY ? accs.dotted() : accs);
            driftChart.add(net == Net.PLAIN ? drs.dashed() : net == Net.NOISY ? drs.dotted() : drs);
            double[] layerL2 = Stats.mean(Arrays.asList(byLayerL2));
            double[] layerRel = Stats.mean(Arrays.asList(byLayerRel));
            double[] layerCos = Stats.mean(Arrays.asList(byLayerCos));
            for (int k = 0; k < layers; k++) {
                table = table.row(net.label, String.valueOf(k + 1), String.format(Locale.ROOT, "%.4g", layerL2[k]),
                        String.format(Locale.ROOT, "%.4g", layerRel[k]), String.format(Locale.ROOT, "%.4f", layerCos[k]));
            }
            result.metric("final_accuracy_" + net.key(), accPerSeed[n])
                    .metric("ics_l2_" + net.key(), icsPerSeed[n])
                    .metric("ics_rel_" + net.key(), relPerSeed[n])
                    .metric("ics_rel_by_layer_" + net.key(), layerRel)
                    .metric("ics_cos_" + net.key(), cosPerSeed[n])
                    .metric("ics_l2_by_layer_" + net.key(), layerL2)
                    .metric("ics_cos_by_layer_" + net.key(), layerCos)
                    .metric("drift_" + net.key(), driftPerSeed[n]);
        }
        String band = "Mean of " + seeds + " seed(s); band: \u00b11 std over seeds.";
        result.description(String.format(Locale.ROOT,
                        "The paper's 784-100-100-100-10 sigmoid MLP (weights N(0, %s), SGD lr %s, batch 60), %,d steps (the lab's sweep length, "
                                + "a third of --steps), seeds %s, on %s. Noisy BN: after each BN, y*s + m with s ~ U(0.5, 1.5)*scale_t, "
                                + "m ~ N(mu_t, 0.5^2) redrawn per unit at every step, scale_t and mu_t drifting (periods 1000 and 1500 steps). "
                                + "Gradient-based ICS (Santurkar et al. def. 2.1) every %d steps for each Linear layer on the step's mini-batch: "
                                + "||G - G'|| where G' is the layer's gradient after the layers before it took their step (layer 1: 0 by definition). "
                                + "Drift: per-unit mean and std of each sigmoid's input over the first %d test examples (eval mode), "
                                + "summed |change| / mean std between evaluations.",
                        Figure1.SIGMA, Figure1.LR, steps, ctx.seeds(), ctx.data().name(), every, PROBE_EXAMPLES))
                .chart(l2Chart.caption(band + " Log scale.").build())
                .chart(relChart.caption(band + " Log scale.").build())
                .chart(cosChart.caption(band).build())
                .chart(accChart.caption(band).build())
                .chart(driftChart.caption(band + " Log scale.").build())
                .table(table);

        int p = Net.PLAIN.ordinal();
        int b = Net.BN.ordinal();
        int z = Net.NOISY.ordinal();
        int lower = 0;
        int closer = 0;
        int asWell = 0;
        int noisyDriftier = 0;
        int lowerRaw = 0;
        for (int s = 0; s < seeds; s++) {
            lower += relPerSeed[b][s] < relPerSeed[p][s] ? 1 : 0;
            lowerRaw += icsPerSeed[b][s] < icsPerSeed[p][s] ? 1 : 0;
            closer += cosPerSeed[b][s] > cosPerSeed[p][s] ? 1 : 0;
            asWell += accPerSeed[z][s] >= accPerSeed[b][s] - AS_WELL ? 1 : 0;
            noisyDriftier += driftPerSeed[z][s] > driftPerSeed[b][s] ? 1 : 0;
        }
        Verdict icsVerdict = Sweeps.bySeeds(lower, seeds);
        result.claim(new Claim("BN reduces internal covariate shift (gradient-based, Santurkar)",
                String.format(Locale.ROOT, "relative change ||G - G'|| / ||G|| (layers 2..%d, mean over training) %.4g with BN vs %.4g "
                                + "without (noisy BN %.4g); raw ||G - G'|| %.4g vs %.4g (noisy BN %.4g); cos(G, G') %.3f vs %.3f (noisy BN %.3f)",
                        layers, Stats.mean(relPerSeed[b]), Stats.mean(relPerSeed[p]), Stats.mean(relPerSeed[z]),
                        Stats.mean(icsPerSeed[b]), Stats.mean(icsPerSeed[p]), Stats.mean(icsPerSeed[z]),
                        Stats.mean(cosPerSeed[b]), Stats.mean(cosPerSeed[p]), Stats.mean(cosPerSeed[z])),
                icsVerdict,
                String.format(Locale.ROOT, "rule: SUPPORTED if on every seed BN has the smaller relative change ||G - G'|| / ||G|| "
                        + "(the raw norm would favour BN for its smaller gradients alone), NOT_SUPPORTED on none, else MIXED; smaller on "
                        + "%d of %d seeds (raw norm smaller on %d, cosine higher on %d)", lower, seeds, lowerRaw, closer)));
        Verdict noisyVerdict = asWell == seeds ? Verdict.SUPPORTED : asWell == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED;
        result.claim(new Claim("Noisy BN (more distributional instability) still trains as well as BN",
                String.format(Locale.ROOT, "final test accuracy %.2f%% noisy BN vs %.2f%% BN vs %.2f%% without BN; "
                                + "input drift %.3g noisy BN vs %.3g BN vs %.3g without",
                        100 * Stats.mean(accPerSeed[z]), 100 * Stats.mean(accPerSeed[b]), 100 * Stats.mean(accPerSeed[p]),
                        Stats.mean(driftPerSeed[z]), Stats.mean(driftPerSeed[b]), Stats.mean(driftPerSeed[p])),
                noisyVerdict,
                String.format(Locale.ROOT, "supported if on every seed noisy BN is within %.0f points of BN; within on %d of %d seeds; "
                        + "noisy BN's inputs drift more than BN's on %d of %d seeds", 100 * AS_WELL, asWell, seeds, noisyDriftier, seeds)));
        double wall = (System.nanoTime() - wallStart) / 1e9;
        ctx.log().printf(Locale.ROOT, "  ics: %.1f s%n", wall);
        result.metric("lr", Figure1.LR).metric("steps", steps).metric("measure_every", every).metric("wall_seconds", wall);
        return result.build();
    }

    /** "As well as": final accuracy at most this far (absolute) below BN's. */
    static final double AS_WELL = 0.01;

    /** Rows padded with NaN to {@code n} (a diverged run measures fewer steps). */
    static double[][] pad(List<double[]> rows, int n) {
        int width = rows.isEmpty() ? 1 : rows.get(0).length;
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            if (i < rows.size()) {
                out[i] = rows.get(i);
            } else {
                out[i] = new double[width];
                Arrays.fill(out[i], Double.NaN);
            }
        }
        return out;
    }

    /** Per measurement, the mean over layers 2..L (layer 1's ICS is 0 by definition). */
    static double[] meanOverLayers(double[][] rows) {
        double[] m = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            m[i] = Arrays.stream(rows[i], 1, rows[i].length).average().orElse(Double.NaN);
        }
        return m;
    }

    static double[] meanOverMeasurements(double[][] rows) {
        return Stats.mean(Arrays.asList(rows));
    }
}
