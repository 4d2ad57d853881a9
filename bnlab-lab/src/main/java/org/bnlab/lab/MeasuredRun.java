package org.bnlab.lab;

import org.bnlab.nn.Sequential;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

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
        void measure(Sequential model, Trainer trainer, Snapshot before, Snapshot after);
    }

    static RunResult train(LabTrainer run, int measureEvery, Measurement measurement, TrainingListener probe) {
        if (measurement == null) {
            return LabRun.train(run, probe);
        }
        Sequential model = run.model();
        return LabRun.train(run, probe, new TrainingListener() {
            private Snapshot before;

            @Override
            public void beforeStep(Trainer t) {
                before = (t.step() + 1) % measureEvery == 0 ? Snapshot.of(model) : null;
            }

            @Override
            public void afterStep(Trainer t, float loss) {
                if (before != null) {
                    Snapshot after = Snapshot.of(model);
                    measurement.measure(model, t, before, after);
                    after.restore(model);
                    before = null;
                }
            }
        });
    }
}
