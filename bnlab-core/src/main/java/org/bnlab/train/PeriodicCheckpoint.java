package org.bnlab.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Supplier;
import org.bnlab.nn.StateDict;

/**
 * Saves a checkpoint into a {@link RunDirectory} every {@code every} steps, at the end of each fit,
 * and on request ({@link #requestSave()}, e.g. from a SIGTERM handler, honoured after the current step).
 * A periodic checkpoint is skipped while the trainer is not {@link Trainer#healthy() healthy}, so a
 * diverging run never replaces its last good checkpoint.
 * A failed save throws an {@link UncheckedIOException} (the previous checkpoint stays intact).
 */
public final class PeriodicCheckpoint implements TrainingListener {
    private final RunDirectory run;
    private final long every;
    private final Supplier<Map<String, String>> metadata;
    private volatile boolean requested;
    private long lastSaved = -1;

    /**
     * @param every    steps between checkpoints (>= 1)
     * @param metadata the model file's metadata (architecture, config, provenance), asked at each save
     */
    public PeriodicCheckpoint(RunDirectory run, long every, Supplier<Map<String, String>> metadata) {
        if (every < 1) {
            throw new IllegalArgumentException("checkpoint interval must be >= 1 step, got " + every);
        }
        this.run = run;
        this.every = every;
        this.metadata = metadata;
    }

    /** Asks for a checkpoint after the step in progress (thread-safe). */
    public void requestSave() {
        requested = true;
    }

    /** The step of the last checkpoint this listener saved, or -1. */
    public long lastSaved() {
        return lastSaved;
    }

    @Override
    public void onStepEnd(Trainer trainer) {
        if (requested || (trainer.step() % every == 0 && trainer.healthy())) {
            save(trainer);
        }
    }

    @Override
    public void onFitEnd(Trainer trainer) {
        save(trainer);
    }

    /** Saves now, unless this step is already saved. */
    public void save(Trainer trainer) {
        requested = false;
        if (trainer.step() == lastSaved) {
            return;
        }
        StateDict model = new StateDict();
        trainer.model().stateDict("", model);
        try {
            run.save(trainer.step(), model, trainer.stateDict(), metadata.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lastSaved = trainer.step();
    }
}
