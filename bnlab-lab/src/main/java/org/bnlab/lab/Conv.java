package org.bnlab.lab;

import java.util.List;
import java.util.Locale;
import org.bnlab.lab.report.Chart;
import org.bnlab.lab.report.Claim;
import org.bnlab.lab.report.ExperimentResult;
import org.bnlab.lab.report.Table;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;

/**
 * BN in a convolutional network (the paper's ImageNet experiments use Inception; this is the small
 * CNN preset of {@link org.bnlab.train.Models}): conv3x3-32, conv3x3-64 (each with max-pool),
 * Linear-128, Linear-classes, ReLU, BN per channel before each ReLU, PyTorch's default init,
 * SGD with momentum 0.9, lr 0.05, batch 128. A CNN step costs about 100x an MLP step here, so the
 * run is {@link #steps(LabContext)} long.
 */
public final class Conv implements Experiment {
    static final double LR = 0.05;
    static final double MOMENTUM = 0.9;
    static final int BATCH = 128;

    @Override
    public String name() {
        return "conv";
    }

    @Override
    public String summary() {
        return "the CNN preset with and without BN: test accuracy against steps";
    }

    /** max(10, steps / 100): 100 steps (about 1.6 epochs of mnist-sample) for the default 10,000. */
    static long steps(LabContext ctx) {
        return Math.max(10, ctx.steps() / 100);
    }

    @Override
    public ExperimentResult run(LabContext ctx) {
        long steps = steps(ctx);
        int evalEvery = ctx.evalEvery(steps, ctx.quick() ? 2 : 8);
        int n = ctx.seeds().size();
        List<List<RunResult>> runs = Sweeps.perSetting(ctx, List.of(false, true), (bn, seed) -> {
            ctx.log().printf("  conv: %s, seed %d, %d steps%n", bn ? "BN" : "no BN", seed, steps);
            ModelSpec spec = new ModelSpec("cnn", 1, 28, 28, ctx.data().classes(), List.of(), "relu", bn, "default", 0, 0);
            TrainConfig cfg = new TrainConfig(ctx.data().name(), null, false, spec, "sgd", LR, MOMENTUM, false, 0,
                    "none", 1, 1, BATCH, steps, evalEvery, seed, 0);
            return LabRun.train(ctx, cfg, null);
        });
        List<RunResult> plain = runs.get(0);
        List<RunResult> bn = runs.get(1);
        double[] fPlain = Sweeps.finalAccuracies(plain);
        double[] fBn = Sweeps.finalAccuracies(bn);

        // Faster: per seed, BN reaches the plain network's final accuracy before the last step.
        int faster = 0;
        double[] reach = new double[n];
        for (int s = 0; s < n; s++) {
            RunResult b = bn.get(s);
            reach[s] = Stats.firstReach(b.stepsAsDouble(), b.testAccuracy(), fPlain[s]);
            if (reach[s] < steps) {
                faster++;
            }
        }
        Table table = Table.of("seed", "final accuracy without BN", "final accuracy with BN", "BN steps to the no-BN final accuracy");
        for (int s = 0; s < n; s++) {
            table = table.row(String.valueOf(ctx.seeds().get(s)), Figure1.pct(fPlain[s]), Figure1.pct(fBn[s]),
                    Double.isNaN(reach[s]) ? "not reached" : String.format(Locale.ROOT, "%,.0f", reach[s]));
        }
        return ExperimentResult.builder(name(), "BN in a convolutional network")
                .description(String.format(Locale.ROOT,
                        "CNN: conv3x3-32, max-pool 2, conv3x3-64, max-pool 2, Linear-128, Linear-%d, ReLU; with BN (per channel, "
                                + "before each ReLU; the preceding layer without bias) and without; PyTorch's default init. SGD momentum "
                                + "%s, lr %s, batch %d, %,d steps (max(10, steps / 100): a CNN step costs about 100 MLP steps), "
                                + "evaluation every %d steps, seeds %s, on %s (%,d train / %,d test).",
                        ctx.data().classes(), Sweeps.num(MOMENTUM), Sweeps.num(LR), BATCH, steps, evalEvery, ctx.seeds(),
                        ctx.data().name(), ctx.data().train().size(), ctx.data().test().size()))
                .chart(Chart.line("accuracy", "CNN test accuracy vs training steps").axes("training step", "test accuracy")
                        .add(Sweeps.accuracyCurve("without BN", plain).dashed().withMarkers())
                        .add(Sweeps.accuracyCurve("with BN", bn).withMarkers())
                        .caption("Mean of " + n + " seed(s); band: \u00b11 std.").build())
                .table(table)
                .claim(new Claim("BN helps convolutional networks too (faster training)",
                        String.format(Locale.ROOT, "final accuracy %s with BN vs %s without after %,d steps; BN reaches the no-BN "
                                + "final accuracy before the last step on %d of %d seeds", Sweeps.meanStd(fBn), Sweeps.meanStd(fPlain),
                                steps, faster, n),
                        Sweeps.faster(Sweeps.bySeeds(faster, n), Stats.mean(fBn) < Stats.mean(fPlain), ctx),
                        "rule: SUPPORTED if, on every seed, BN reaches the no-BN final accuracy at an evaluation before the last step; "
                                + "NOT_SUPPORTED if on no seed; else MIXED" + Sweeps.FASTER_RULE))
                .metric("lr", LR).metric("momentum", MOMENTUM).metric("batch", BATCH).metric("steps", steps)
                .metric("final_accuracy_plain", Stats.mean(fPlain)).metric("final_accuracy_bn", Stats.mean(fBn))
                .metric("bn_steps_to_plain_final", reach)
                .build();
    }
}
