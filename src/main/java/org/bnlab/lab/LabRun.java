package org.bnlab.lab;

import java.util.Arrays;
import org.bnlab.train.DivergedException;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/** Trains one configuration for the lab, recording the test curve; divergence is a result, not an error. */
public final class LabRun {
    private LabRun() {}

    /** Trains {@code config} on the context's data; {@code probe} (nullable) sees every evaluation. */
    public static RunResult train(LabContext ctx, TrainConfig config, Trainer.Listener probe) {
        return train(ctx, new Trainer(config, ctx.data()), probe);
    }

    public static RunResult train(LabContext ctx, Trainer trainer, Trainer.Listener probe) {
        return train(trainer, probe, null);
    }

    /** Trains with a hook around every step (see {@link MeasuredRun}). */
    public static RunResult train(Trainer trainer, Trainer.Listener probe, Trainer.StepHook hook) {
        TrainConfig config = trainer.config();
        int points = (int) ((config.steps() + config.evalEvery() - 1) / config.evalEvery());
        long[] steps = new long[points];
        for (int i = 0; i < points; i++) {
            steps[i] = Math.min(config.steps(), (long) (i + 1) * config.evalEvery());
        }
        double[] acc = new double[points];
        double[] testLoss = new double[points];
        double[] trainLoss = new double[points];
        Arrays.fill(acc, Double.NaN);
        Arrays.fill(testLoss, Double.NaN);
        Arrays.fill(trainLoss, Double.NaN);
        int[] k = {0};
        long start = System.nanoTime();
        long diverged = -1;
        try {
            trainer.run((t, p) -> {
                acc[k[0]] = p.testAccuracy();
                testLoss[k[0]] = p.testLoss();
                trainLoss[k[0]] = p.trainLoss();
                k[0]++;
                if (probe != null) {
                    probe.onEval(t, p);
                }
            }, null, hook);
        } catch (DivergedException e) {
            diverged = e.step();
        }
        return new RunResult(steps, acc, testLoss, trainLoss, diverged, (System.nanoTime() - start) / 1e9);
    }
}
