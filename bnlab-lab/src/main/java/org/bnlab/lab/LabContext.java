package org.bnlab.lab;

import java.io.PrintStream;
import java.util.List;
import org.bnlab.data.Dataset;

/**
 * What every experiment is given: the data, the step budget, the seeds, and where to say what it is
 * doing. {@code steps} is the length of the main runs (figure1); experiments that sweep many
 * configurations use {@link #sweepSteps()}, a fixed fraction of it, and say so in their description.
 *
 * @param quick    true for {@code --quick}: one seed, few steps, for CI and first contact
 * @param executor where the independent runs execute ({@link RunExecutor#THREADS}: on {@code workers} threads)
 */
public record LabContext(Dataset data, long steps, List<Long> seeds, boolean quick, int workers, PrintStream log,
                         RunExecutor executor) {

    /** A context whose runs execute on {@code workers} local threads. */
    public LabContext(Dataset data, long steps, List<Long> seeds, boolean quick, int workers, PrintStream log) {
        this(data, steps, seeds, quick, workers, log, RunExecutor.THREADS);
    }

    public LabContext {
        if (executor == null) {
            throw new IllegalArgumentException("LabContext: the run executor must not be null");
        }
        if (steps < 10) {
            throw new IllegalArgumentException("--steps must be >= 10, got " + steps);
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed is needed (--seeds)");
        }
        seeds = List.copyOf(seeds);
    }

    /** This context with its runs executed by {@code runs}. */
    public LabContext withExecutor(RunExecutor runs) {
        return new LabContext(data, steps, seeds, quick, workers, log, runs);
    }

    /** Steps for the sweeps (learning rate, init, regularization...): a third of the main runs. */
    public long sweepSteps() {
        return Math.max(10, steps / 3);
    }

    /** Evaluation interval giving about {@code points} evaluations over {@code runSteps}. */
    public int evalEvery(long runSteps, int points) {
        return (int) Math.max(1, runSteps / points);
    }
}
