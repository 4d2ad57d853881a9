package org.bnlab.train;

import java.util.function.BiConsumer;

/**
 * Callbacks of a {@link Trainer}: progress bars, metrics files, periodic checkpoints and the lab's
 * measurements are all listeners. Every method has an empty default; listeners run on the training
 * thread in the order they were added, so what one does to the model the next one sees.
 *
 * <p>Order within one step: {@link #beforeStep}, the step, {@link #afterStep}, then (at an evaluation
 * step) {@link #onEval}, then {@link #onStepEnd}. {@link #onFitEnd} runs once when {@link Trainer#fitTo} returns normally.
 */
public interface TrainingListener {

    /** Before the next mini-batch is loaded. */
    default void beforeStep(Trainer trainer) {
    }

    /** After the optimizer (and schedule) step; {@code trainer.step()} is already incremented. */
    default void afterStep(Trainer trainer, float loss) {
    }

    /** After an evaluation (every {@code evalEvery} steps and at the end of a fit). */
    default void onEval(Trainer trainer, EvalPoint point) {
    }

    /**
     * After the step and its evaluation, if any: the place to checkpoint, so that what was reported
     * for a step and the checkpoint of that step agree.
     */
    default void onStepEnd(Trainer trainer) {
    }

    /** When a fit reached its last step. */
    default void onFitEnd(Trainer trainer) {
    }

    /** A listener that only watches evaluations. */
    static TrainingListener onEval(BiConsumer<Trainer, EvalPoint> action) {
        return new TrainingListener() {
            @Override
            public void onEval(Trainer trainer, EvalPoint point) {
                action.accept(trainer, point);
            }
        };
    }
}
