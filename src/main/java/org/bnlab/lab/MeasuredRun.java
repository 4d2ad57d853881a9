package org.bnlab.lab;

import java.util.Arrays;
import org.bnlab.nn.Sequential;
import org.bnlab.train.DivergedException;
import org.bnlab.train.EvalResult;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/**
 * The training loop of {@link LabRun}, with a hook every {@code measureEvery} steps that sees the
 * model just after the step together with its state just before it, on the step's mini-batch
 * ({@code trainer.batches()}). Whatever the measurement does to the model, the state after the step
 * is restored before training goes on, so the run is bit-identical to one without measurements.
 */
public final class MeasuredRun {
    private MeasuredRun() {}

    /** A measurement at step t: {@code before} is the state at t (before the update), {@code after} at t+1. */
    @FunctionalInterface
    public interface Measurement {
        void measure(Trainer trainer, Snapshot before, Snapshot after);
    }

    public static RunResult train(Trainer trainer, int measureEvery, Measurement measurement, Trainer.Listener probe) {
        TrainConfig config = trainer.config();
        Sequential model = trainer.model();
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
        long start = System.nanoTime();
        long diverged = -1;
        double lossSum = 0;
        int lossCount = 0;
        int k = 0;
        for (long s = 1; s <= config.steps(); s++) {
            Snapshot before = measurement != null && s % measureEvery == 0 ? Snapshot.of(model) : null;
            float l;
            try {
                l = trainer.trainStep();
            } catch (DivergedException e) {
                diverged = s;
                break;
            }
            if (!Float.isFinite(l)) {
                diverged = s;
                break;
            }
            if (before != null) {
                Snapshot after = Snapshot.of(model);
                measurement.measure(trainer, before, after);
                after.restore(model);
            }
            lossSum += l;
            lossCount++;
            if (s % config.evalEvery() == 0 || s == config.steps()) {
                EvalResult test = trainer.evaluate(trainer.data().test());
                acc[k] = test.accuracy();
                testLoss[k] = test.loss();
                trainLoss[k] = lossSum / Math.max(1, lossCount);
                lossSum = 0;
                lossCount = 0;
                if (probe != null) {
                    probe.onEval(trainer, new Trainer.EvalPoint(s, trainLoss[k], testLoss[k], acc[k], (System.nanoTime() - start) / 1e9));
                }
                k++;
            }
        }
        return new RunResult(steps, acc, testLoss, trainLoss, diverged, (System.nanoTime() - start) / 1e9);
    }
}
