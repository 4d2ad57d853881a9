package org.bnlab.lab;

import org.bnlab.nn.Sequential;
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
        if (measurement == null) {
            return LabRun.train(trainer, probe, null);
        }
        Sequential model = trainer.model();
        return LabRun.train(trainer, probe, new Trainer.StepHook() {
            private Snapshot before;

            @Override
            public void beforeStep(Trainer t) {
                before = (t.step() + 1) % measureEvery == 0 ? Snapshot.of(model) : null;
            }

            @Override
            public void afterStep(Trainer t) {
                if (before != null) {
                    Snapshot after = Snapshot.of(model);
                    measurement.measure(t, before, after);
                    after.restore(model);
                    before = null;
                }
            }
        });
    }
}
