package org.bnlab.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bnlab.data.Split;
import org.bnlab.infer.InferenceModel;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Series;
import org.bnlab.lab.report.Table;
import org.bnlab.lab.report.Verdict;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.BatchNormFolding;
import org.bnlab.tensor.Tensor;
import org.bnlab.train.Models;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;

/**
 * BN at deployment (Ioffe &amp; Szegedy 2015, section 3.1): after training, BN in eval mode is a fixed
 * affine map per channel, so it folds into the Linear or Conv2d before it,
 * {@code W' = W * gamma / sqrt(var + eps)}, {@code b' = (b - mean) * gamma / sqrt(var + eps) + beta},
 * and costs nothing at inference. Measured on the paper's MLP and on the CNN preset, each trained with
 * BN: the test predictions of the model in eval mode, of the folded model ({@link BatchNormFolding})
 * and of the compiled deployment model ({@link InferenceModel}: folded, Dropout removed, immutable
 * stages), and their inference time.
 *
 * <p>Measure: one training per (network, seed) on the context's workers, then the three forms on the
 * whole test split. Aggregate: accuracies, prediction agreement and the largest logit difference per
 * seed. Report: the accuracy chart and table, one claim with its rule, and the timings (the last part
 * runs on the calling thread once the trainings are done, since the speed of a forward pass does not
 * depend on the values of the weights; timings are run-dependent and no verdict uses them).
 */
public final class Folding implements Experiment {
    /** A seed "holds" when the forms agree on at least this fraction of the test images... */
    static final double AGREEMENT = 0.999;
    /** ...and their logits differ by at most this fraction of the largest logit magnitude (float rounding of the fold). */
    static final double LOGIT_TOLERANCE = 1e-4;
    /** Batch sizes timed: one request at a time, and a throughput batch. */
    static final int[] TIMED_BATCHES = {1, 256};

    /** One network: its preset with BN and its training recipe. */
    record Net(String id, String name, ModelSpec spec, TrainRecipe recipe, String recipeText) {}

    @FunctionalInterface
    interface TrainRecipe {
        TrainConfig of(ModelSpec spec, long seed);
    }

    /** What one seed measured: accuracy in each form, and how far the folded forms are from the original. */
    record Measured(double accEval, double accFolded, double accCompiled, double agreeFolded, double agreeCompiled,
                    double diffFolded, double diffCompiled, int bnBefore, int bnAfter, boolean diverged) {
        boolean holds() {
            return !diverged && Math.min(agreeFolded, agreeCompiled) >= AGREEMENT
                    && Math.max(diffFolded, diffCompiled) <= LOGIT_TOLERANCE;
        }
    }

    @Override
    public String name() {
        return "folding";
    }

    @Override
    public String summary() {
        return "BN folded into the layer before it: the same eval-mode predictions, and the inference speed";
    }

    static List<Net> nets(LabContext ctx) {
        long mlpSteps = ctx.sweepSteps();
        long cnnSteps = Conv.steps(ctx);
        return List.of(
                new Net("mlp", "MLP", ModelSpec.paperMlp("batch", Figure1.SIGMA),
                        (spec, seed) -> NormRuns.sgd(ctx, spec, Figure1.LR, 60, mlpSteps, (int) mlpSteps, seed),
                        String.format(Locale.ROOT, "plain SGD lr %s, batch 60, %,d steps", Sweeps.num(Figure1.LR), mlpSteps)),
                new Net("cnn", "CNN", new ModelSpec("cnn", 1, 28, 28, ctx.data().classes(), List.of(), "relu", "batch", "default", 0, 0),
                        (spec, seed) -> NormRuns.sgd(ctx, spec, Conv.LR, Conv.MOMENTUM, Conv.BATCH, cnnSteps, (int) cnnSteps, seed),
                        String.format(Locale.ROOT, "SGD momentum %s, lr %s, batch %d, %,d steps", Sweeps.num(Conv.MOMENTUM),
                                Sweeps.num(Conv.LR), Conv.BATCH, cnnSteps)));
    }

    @Override
    public ExperimentResult run(LabContext ctx) {
        List<Net> nets = nets(ctx);
        Split test = ctx.data().test();
        // measure
        List<List<Measured>> measured = Sweeps.perSetting(ctx, nets, (net, seed) -> {
            ctx.log().printf("  folding: %s, seed %d%n", net.name(), seed);
            LabTrainer run = LabTrainer.of(ctx, net.recipe().of(net.spec(), seed));
            RunResult r = LabRun.train(run);
            if (r.diverged()) {
                return new Measured(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, true);
            }
            return measure(run.model(), net.spec(), test);
        });
        // aggregate
        int n = ctx.seeds().size();
        int k = nets.size();
        List<String> forms = List.of("eval mode", "folded", "compiled (InferenceModel)");
        Table table = Table.of("network", "seed", "BN layers before / after", "test accuracy, eval mode", "folded", "compiled",
                "predictions agreeing (folded / compiled)", "largest logit difference / largest logit");
        Chart.Builder chart = Chart.bar("accuracy", "Test accuracy of the trained model and of its folded forms",
                nets.stream().map(Net::name).toList()).axes("network", "test accuracy");
        double[][][] acc = new double[forms.size()][k][n];
        int holding = 0;
        int total = 0;
        ExperimentResult.Builder result = ExperimentResult.builder(name(), "Folding BN into the layer before it, for inference");
        for (int i = 0; i < k; i++) {
            Net net = nets.get(i);
            double[] agree = new double[n];
            double[] diff = new double[n];
            for (int s = 0; s < n; s++) {
                Measured m = measured.get(i).get(s);
                acc[0][i][s] = m.accEval();
                acc[1][i][s] = m.accFolded();
                acc[2][i][s] = m.accCompiled();
                agree[s] = Math.min(m.agreeFolded(), m.agreeCompiled());
                diff[s] = Math.max(m.diffFolded(), m.diffCompiled());
                holding += m.holds() ? 1 : 0;
                total++;
                table = table.row(net.name(), String.valueOf(ctx.seeds().get(s)),
                        m.diverged() ? "diverged" : m.bnBefore() + " / " + m.bnAfter(),
                        Figure1.pct(m.accEval()), Figure1.pct(m.accFolded()), Figure1.pct(m.accCompiled()),
                        String.format(Locale.ROOT, "%.2f%% / %.2f%%", 100 * m.agreeFolded(), 100 * m.agreeCompiled()),
                        String.format(Locale.ROOT, "%.1e / %.1e", m.diffFolded(), m.diffCompiled()));
            }
            result.metric("accuracy_eval_" + net.id(), acc[0][i].clone()).metric("accuracy_folded_" + net.id(), acc[1][i].clone())
                    .metric("accuracy_compiled_" + net.id(), acc[2][i].clone()).metric("agreement_" + net.id(), agree)
                    .metric("logit_difference_" + net.id(), diff);
        }
        for (int f = 0; f < forms.size(); f++) {
            chart.add(Series.bars(forms.get(f), Sweeps.means(acc[f])).withStd(Sweeps.stds(acc[f])));
        }
        // report
        boolean trained = true;
        for (int i = 0; i < k; i++) {
            trained &= Stats.mean(acc[0][i]) >= SmallBatch.LEARNED;
        }
        StringBuilder measuredText = new StringBuilder();
        for (int i = 0; i < k; i++) {
            measuredText.append(i == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%s: %s in eval mode, %s folded, %s compiled",
                    nets.get(i).name(), Figure1.pct(Stats.mean(acc[0][i])), Figure1.pct(Stats.mean(acc[1][i])),
                    Figure1.pct(Stats.mean(acc[2][i]))));
        }
        StringBuilder recipes = new StringBuilder();
        for (Net net : nets) {
            recipes.append(' ').append(net.name()).append(": ").append(net.recipeText()).append('.');
        }
        return result
                .description(String.format(Locale.ROOT, "The paper's 784-100-100-100-10 sigmoid MLP (weights N(0, %s)) and the CNN "
                                + "preset (conv3x3-32, conv3x3-64, Linear-128, ReLU), each with BN before every nonlinearity, trained on "
                                + "%s, seeds %s.%s Then, on the %,d test images: the model in eval mode (running statistics), "
                                + "BatchNormFolding.fold(model) (every BN merged into the Linear/Conv2d before it: W' = W * gamma / "
                                + "sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta, computed in double, rounded once), "
                                + "and InferenceModel.of(model) (folded, compiled into immutable stages). Agreement: the share of test "
                                + "images whose predicted class is the same as in eval mode; logit difference: the largest |logit "
                                + "difference| over the test split divided by the largest |logit|.",
                        Figure1.SIGMA, ctx.data().name(), ctx.seeds(), recipes, test.size()))
                .chart(chart.caption("Mean of " + n + " seed(s); error bars: \u00b11 std.").build())
                .table(table)
                .timings(timings(nets, test, ctx))
                .claim(new Claim("Folding BN into the preceding layer leaves the eval-mode predictions unchanged",
                        measuredText.toString(),
                        trained ? Sweeps.bySeeds(holding, total) : Verdict.NOT_SETTLED,
                        String.format(Locale.ROOT, "rule: per network and seed, the folded and the compiled model agree with eval mode on "
                                        + "at least %.1f%% of the test images and their logits differ by at most %.0e of the largest logit; "
                                        + "SUPPORTED if that holds for every network and seed, NOT_SUPPORTED for none, else MIXED; "
                                        + "NOT_SETTLED if a network's eval-mode accuracy is below %.0f%% (not trained); held in %d of %d",
                                100 * AGREEMENT, LOGIT_TOLERANCE, 100 * SmallBatch.LEARNED, holding, total)))
                .metric("forms", forms)
                .build();
    }

    /** The three forms of one trained model on the test split. */
    static Measured measure(Sequential model, ModelSpec spec, Split test) {
        Sequential folded = BatchNormFolding.fold(model);
        InferenceModel compiled = InferenceModel.of(model, sampleShape(spec));
        int classes = spec.classes();
        float[] eval = logits(model, spec, test);
        float[] fold = logits(folded, spec, test);
        float[] comp = predictions(compiled, test, classes);
        double scale = 0;
        for (float v : eval) {
            scale = Math.max(scale, Math.abs(v));
        }
        return new Measured(accuracy(eval, test.labels(), classes), accuracy(fold, test.labels(), classes),
                accuracy(comp, test.labels(), classes), agreement(eval, fold, classes), agreement(eval, comp, classes),
                maxDiff(eval, fold) / scale, maxDiff(eval, comp) / scale, countBatchNorms(model), countBatchNorms(folded), false);
    }

    static int[] sampleShape(ModelSpec spec) {
        return spec.kind().equals("cnn") ? new int[] {spec.channels(), spec.height(), spec.width()}
                : new int[] {spec.channels() * spec.height() * spec.width()};
    }

    /** The model's eval-mode logits for every test image, [N, classes] row-major, in chunks of 500. */
    static float[] logits(Module model, ModelSpec spec, Split test) {
        int classes = spec.classes();
        int[] shape = sampleShape(spec);
        int features = test.features();
        float[] out = new float[test.size() * classes];
        for (int start = 0; start < test.size(); start += 500) {
            int b = Math.min(500, test.size() - start);
            float[] x = Arrays.copyOfRange(test.images(), start * features, (start + b) * features);
            Tensor y = model.forwardBuffered(Tensor.of(x, batchShape(b, shape)), false);
            System.arraycopy(y.data(), 0, out, start * classes, b * classes);
        }
        return out;
    }

    /** The compiled model's logits for every test image, in chunks of 500 (its work buffers grow with the batch). */
    static float[] predictions(InferenceModel compiled, Split test, int classes) {
        int features = test.features();
        float[] out = new float[test.size() * classes];
        float[] chunkOut = new float[500 * classes];
        for (int start = 0; start < test.size(); start += 500) {
            int b = Math.min(500, test.size() - start);
            float[] x = Arrays.copyOfRange(test.images(), start * features, (start + b) * features);
            compiled.predict(x, b, chunkOut);
            System.arraycopy(chunkOut, 0, out, start * classes, b * classes);
        }
        return out;
    }

    private static int[] batchShape(int n, int[] sampleShape) {
        int[] s = new int[sampleShape.length + 1];
        s[0] = n;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    static int argmax(float[] logits, int row, int classes) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (logits[row * classes + c] > logits[row * classes + best]) {
                best = c;
            }
        }
        return best;
    }

    static double accuracy(float[] logits, int[] labels, int classes) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += argmax(logits, i, classes) == labels[i] ? 1 : 0;
        }
        return (double) correct / labels.length;
    }

    static double agreement(float[] a, float[] b, int classes) {
        int rows = a.length / classes;
        int same = 0;
        for (int i = 0; i < rows; i++) {
            same += argmax(a, i, classes) == argmax(b, i, classes) ? 1 : 0;
        }
        return (double) same / rows;
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    /** BatchNorm layers in {@code m}, nested Sequentials included. */
    static int countBatchNorms(Module m) {
        if (m instanceof Sequential s) {
            int c = 0;
            for (Module x : s.modules()) {
                c += countBatchNorms(x);
            }
            return c;
        }
        return m instanceof BatchNorm ? 1 : 0;
    }

    /**
     * Median time of one forward pass of each form, per network and batch size, on this thread after
     * a warm-up: the architecture initialized from seed 1 (inference speed does not depend on the
     * weights' values).
     */
    static Table timings(List<Net> nets, Split test, LabContext ctx) {
        Table t = Table.of("network", "batch", "eval mode (ms)", "folded (ms)", "compiled (ms)", "compiled vs eval mode");
        double budget = ctx.quick() ? 0.05 : 0.3;
        for (Net net : nets) {
            Sequential model = Models.build(net.spec(), 1);
            Sequential folded = BatchNormFolding.fold(model);
            InferenceModel compiled = InferenceModel.of(model, sampleShape(net.spec()));
            int features = test.features();
            for (int batch : TIMED_BATCHES) {
                int b = Math.min(batch, test.size());
                float[] x = Arrays.copyOf(test.images(), b * features);
                Tensor input = Tensor.of(x, batchShape(b, sampleShape(net.spec())));
                float[] out = new float[b * net.spec().classes()];
                double tEval = median(() -> model.forwardBuffered(input, false), budget);
                double tFolded = median(() -> folded.forwardBuffered(input, false), budget);
                double tCompiled = median(() -> compiled.predict(x, b, out), budget);
                t = t.row(net.name(), String.valueOf(b), ms(tEval), ms(tFolded), ms(tCompiled),
                        String.format(Locale.ROOT, "%.2fx faster", tEval / tCompiled));
            }
        }
        return t;
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.3f", 1e3 * seconds);
    }

    /** Median seconds of {@code body} over about {@code budget} seconds of calls, after as long a warm-up. */
    static double median(Runnable body, double budget) {
        long warm = System.nanoTime() + (long) (budget * 1e9);
        while (System.nanoTime() < warm) {
            body.run();
        }
        List<Double> times = new ArrayList<>();
        long end = System.nanoTime() + (long) (budget * 1e9);
        while (times.size() < 5 || System.nanoTime() < end && times.size() < 100_000) {
            long t0 = System.nanoTime();
            body.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        return Stats.median(times.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
