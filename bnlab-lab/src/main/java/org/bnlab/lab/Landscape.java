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
import org.bnlab.nn.CrossEntropyLoss;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.Sequential;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.Trainer;

/**
 * The loss landscape along the gradient, after Santurkar et al. 2018 (arXiv 1805.11604, section 3.1):
 * at step t, with W the parameters before the update and g = grad L(W) on the step's mini-batch,
 * W' = W - eta' g for eta' in {0.25, 0.5, 1, 2, 4} x lr, on the same batch (training mode):
 * <ul>
 *   <li>loss variation: max - min of L over {W} and the W';</li>
 *   <li>gradient predictiveness: max over eta' of ||grad L(W) - grad L(W')||_2 (smaller = more predictive);</li>
 *   <li>effective beta-smoothness: max over eta' of ||grad L(W) - grad L(W')|| / ||W - W'||.</li>
 * </ul>
 * Norms are over all parameters (BN's gamma and beta included). Training continues from W with the
 * normal step, as if nothing had been measured.
 */
public final class Landscape implements Experiment {
    static final double[] ETA_FACTORS = {0.25, 0.5, 1, 2, 4};
    static final String[] MEASURES = {"loss variation", "gradient predictiveness", "effective beta-smoothness"};

    @Override
    public String name() {
        return "landscape";
    }

    @Override
    public String summary() {
        return "loss landscape along the gradient (Santurkar et al.): loss variation, gradient predictiveness, beta-smoothness, with and without BN";
    }

    /** The three measures at each measured step; {@code loss0} is L(W) on the step's batch. */
    static final class Probe implements MeasuredRun.Measurement {
        final List<double[]> measures = new ArrayList<>();
        final List<Float> loss0 = new ArrayList<>();
        private final CrossEntropyLoss loss = new CrossEntropyLoss();
        private final List<Parameter> params;
        private final double lr;
        private final float[][] g;
        private final float[][] gMoved;

        Probe(Sequential model, double lr) {
            this.params = model.parameters();
            this.lr = lr;
            this.g = Snapshot.gradBuffers(params);
            this.gMoved = Snapshot.gradBuffers(params);
        }

        @Override
        public void measure(Sequential model, Trainer t, Snapshot before, Snapshot after) {
            Tensor x = t.batches().images();
            int[] y = t.batches().labels();
            before.restore(model);
            float l0 = Snapshot.lossAndGrad(model, loss, x, y, params, g);
            double lo = l0;
            double hi = l0;
            double predict = 0;
            double beta = 0;
            for (double f : ETA_FACTORS) {
                float eta = (float) (f * lr);
                double dist = 0;
                for (int p = 0; p < params.size(); p++) {
                    float[] w0 = before.get(params.get(p).name());
                    float[] w = params.get(p).data();
                    float[] gp = g[p];
                    for (int j = 0; j < w.length; j++) {
                        w[j] = w0[j] - eta * gp[j];
                        double d = (double) w0[j] - w[j];
                        dist += d * d;
                    }
                }
                float l = Snapshot.lossAndGrad(model, loss, x, y, params, gMoved);
                lo = Math.min(lo, l);
                hi = Math.max(hi, l);
                double change = Snapshot.distance(g, gMoved);
                predict = Math.max(predict, change);
                beta = Math.max(beta, change / Math.max(1e-30, Math.sqrt(dist)));
            }
            loss0.add(l0);
            measures.add(new double[] {hi - lo, predict, beta});
        }
    }

    record Out(RunResult run, double[][] measures) {}

    @Override
    public ExperimentResult run(LabContext ctx) {
        long wallStart = System.nanoTime();
        long steps = ctx.sweepSteps();
        int evalEvery = ctx.evalEvery(steps, 20);
        int every = Ics.measureEvery(steps);
        int nMeasure = (int) (steps / every);
        // measure: without and with BN, every seed
        List<List<Out>> outs = Sweeps.perSetting(ctx, List.of(Ics.Net.PLAIN, Ics.Net.BN), (net, seed) -> {
            ctx.log().printf("  landscape: %s, seed %d, %d steps%n", net.label, seed, steps);
            LabTrainer trainer = Ics.trainer(ctx, net, steps, evalEvery, seed);
            Probe probe = new Probe(trainer.model(), Figure1.LR);
            RunResult r = MeasuredRun.train(trainer, every, probe, null);
            return new Out(r, Ics.pad(probe.measures, nMeasure));
        });
        // aggregate and report
        double[] xm = new double[nMeasure];
        for (int i = 0; i < nMeasure; i++) {
            xm[i] = (double) (i + 1) * every;
        }
        int seeds = ctx.seeds().size();
        String band = "Mean of " + seeds + " seed(s); band: \u00b11 std over seeds. Log scale.";
        String[] ids = {"loss-variation", "gradient-predictiveness", "beta-smoothness"};
        String[] yLabels = {"max - min of L(W - eta' g)", "max ||grad L(W) - grad L(W')||", "max ||grad L(W) - grad L(W')|| / ||W - W'||"};
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "The loss landscape along the gradient (Santurkar et al.)");
        // perSeed[net][measure][seed]: the mean over training of each measure
        double[][][] perSeed = new double[2][MEASURES.length][seeds];
        double[][] finals = new double[2][seeds];
        List<List<double[]>> accs = List.of(new ArrayList<>(), new ArrayList<>());
        Chart.Builder[] charts = new Chart.Builder[MEASURES.length];
        for (int k = 0; k < MEASURES.length; k++) {
            charts[k] = Chart.line(ids[k], MEASURES[k] + " along the gradient").axes("training step", yLabels[k]).logY();
        }
        for (int n = 0; n < 2; n++) {
            List<List<double[]>> curves = new ArrayList<>();
            for (int k = 0; k < MEASURES.length; k++) {
                curves.add(new ArrayList<>());
            }
            for (int s = 0; s < seeds; s++) {
                Out o = outs.get(n).get(s);
                double[][] m = o.measures();
                accs.get(n).add(o.run().testAccuracy());
                finals[n][s] = o.run().finalAccuracy();
                for (int k = 0; k < MEASURES.length; k++) {
                    double[] c = new double[nMeasure];
                    for (int t = 0; t < nMeasure; t++) {
                        c[t] = m[t][k];
                    }
                    curves.get(k).add(c);
                    perSeed[n][k][s] = Stats.mean(c);
                }
            }
            String label = n == 0 ? "without BN" : "with BN";
            for (int k = 0; k < MEASURES.length; k++) {
                Series ser = Series.of(label, xm, Stats.mean(curves.get(k))).withStd(Stats.std(curves.get(k)));
                charts[k].add(n == 0 ? ser.dashed() : ser);
            }
            result.metric("loss_variation_" + (n == 0 ? "plain" : "bn"), perSeed[n][0])
                    .metric("gradient_predictiveness_" + (n == 0 ? "plain" : "bn"), perSeed[n][1])
                    .metric("beta_smoothness_" + (n == 0 ? "plain" : "bn"), perSeed[n][2]);
        }
        for (Chart.Builder c : charts) {
            result.chart(c.caption(band).build());
        }
        double[] xe = outs.get(0).get(0).run().stepsAsDouble();
        result.chart(Chart.line("accuracy", "Test accuracy").axes("training step", "test accuracy")
                .add(Series.of("without BN", xe, Stats.mean(accs.get(0))).withStd(Stats.std(accs.get(0))).dashed())
                .add(Series.of("with BN", xe, Stats.mean(accs.get(1))).withStd(Stats.std(accs.get(1))))
                .caption(band.replace(" Log scale.", "")).build());
        result.description(String.format(Locale.ROOT,
                "The paper's 784-100-100-100-10 sigmoid MLP (weights N(0, %s), SGD lr %s, batch 60), %,d steps (the lab's sweep length, "
                        + "a third of --steps), seeds %s, on %s. Every %d steps, on the step's mini-batch, in training mode: "
                        + "W' = W - eta' g with g = grad L(W), eta' in {0.25, 0.5, 1, 2, 4} x lr. Loss variation = max - min of L over W and the W'; "
                        + "gradient predictiveness = max ||g - grad L(W')||; effective beta-smoothness = max ||g - grad L(W')|| / ||W - W'|| "
                        + "(norms over all parameters). Curves: mean over seeds; claims: per seed, the mean over training.",
                Figure1.SIGMA, Figure1.LR, steps, ctx.seeds(), ctx.data().name(), every));

        Table table = Table.of("measure", "without BN", "with BN", "seeds where BN is smaller");
        for (int k = 0; k < MEASURES.length; k++) {
            int smaller = 0;
            for (int s = 0; s < seeds; s++) {
                smaller += perSeed[1][k][s] < perSeed[0][k][s] ? 1 : 0;
            }
            double plain = Stats.mean(perSeed[0][k]);
            double bn = Stats.mean(perSeed[1][k]);
            table = table.row(MEASURES[k], String.format(Locale.ROOT, "%.4g", plain), String.format(Locale.ROOT, "%.4g", bn),
                    smaller + " of " + seeds);
            result.claim(new Claim("BN makes the loss landscape smoother (Santurkar et al.): " + MEASURES[k],
                    String.format(Locale.ROOT, "%s %.4g with BN vs %.4g without (%.2fx), mean over training and seeds",
                            MEASURES[k], bn, plain, bn / plain),
                    smaller == seeds ? Verdict.SUPPORTED : smaller == 0 ? Verdict.NOT_SUPPORTED : Verdict.MIXED,
                    String.format(Locale.ROOT, "supported if smaller with BN on every seed; smaller on %d of %d", smaller, seeds)));
        }
        result.table(table);
        double wall = (System.nanoTime() - wallStart) / 1e9;
        ctx.log().printf(Locale.ROOT, "  landscape: %.1f s%n", wall);
        result.metric("lr", Figure1.LR).metric("steps", steps).metric("measure_every", every)
                .metric("eta_factors", ETA_FACTORS)
                .metric("final_accuracy_plain", finals[0])
                .metric("final_accuracy_bn", finals[1])
                .metric("wall_seconds", wall);
        return result.build();
    }
}
