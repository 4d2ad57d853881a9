package org.bnlab.lab;

import java.util.Arrays;
import org.bnlab.train.DivergedException;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/** Trains one configuration for the lab, recording the test curve; divergence is a result, not an error. */
public final class LabRun {
    private LabRun() {}

    /** Trains {@code config} on the context's data; {@code probe} (nullable) sees every step and evaluation. */
    public static RunResult train(LabContext ctx, TrainConfig config, TrainingListener probe) {
        return train(LabTrainer.of(ctx, config), probe);
    }

    /**
     * Trains {@code run} to its recipe's last step; {@code listeners} (null entries allowed) see every
     * step and evaluation, in order.
     */
    static RunResult train(LabTrainer run, TrainingListener... listeners) {
        TrainConfig config = run.config();
        Trainer trainer = run.trainer();
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
        trainer.addListener(TrainingListener.onEval((t, p) -> {
            acc[k[0]] = p.testAccuracy();
            testLoss[k[0]] = p.testLoss();
            trainLoss[k[0]] = p.trainLoss();
            k[0]++;
        }));
        for (TrainingListener l : listeners) {
            if (l != null) {
                trainer.addListener(l);
            }
        }
        long start = System.nanoTime();
        long diverged = -1;
        try {
            trainer.fitTo(config.steps());
        } catch (DivergedException e) {
            diverged = e.step();
        }
        return new RunResult(steps, acc, testLoss, trainLoss, diverged, (System.nanoTime() - start) / 1e9);
    }
}
