package org.bnlab.train;

import org.bnlab.data.Dataset;
import org.bnlab.data.Split;
import org.bnlab.data.SplitMix64;
import org.bnlab.kernel.Parallel;

/**
 * Trains a throw-away copy of a recipe's model on synthetic data, on a background thread, while the
 * caller loads the real data: the JIT then compiles the kernels of exactly these shapes earlier.
 *
 * <p>Why: before C2 has compiled them, the Vector API kernels run boxed in the interpreter and C1,
 * about 100x slower, and C2 needs 1-3 s on a 2-core machine to compile the kernels of a step (one
 * compiler thread). A short training run spends most of its first thousand steps waiting for that;
 * starting the kernels' invocation counts and profiles during JVM start and data loading puts them in
 * C2's queue that much sooner.
 *
 * <p>Results do not change: the copy has its own parameters, buffers and data; kernels are pure
 * functions of their arguments, whichever tier runs them. The copy's calls use one thread and keep
 * the chunks of a multi-threaded call (so the chunked ranges are compiled too, see
 * {@link Parallel#keepChunksWhenCapped}); while the copy holds the pool, the caller's calls run
 * serially, which also does not change their results.
 */
public final class KernelWarmup implements AutoCloseable {

    /**
     * Steps before the one evaluation: early, because a warm-up gets only a few steps done while the data
     * loads, and kernels compiled without the evaluation's batch shapes are compiled again when the first
     * real evaluation reaches branches they never took (seen with -XX:+PrintCompilation).
     */
    private static final long EVAL_AFTER = 2;

    private final Thread thread;
    private volatile boolean stopped;
    private volatile long steps;
    private volatile Throwable failure;

    private KernelWarmup(TrainConfig recipe) {
        thread = new Thread(() -> run(recipe), "bnlab-warmup");
        thread.setDaemon(true);
    }

    /** Starts warming up the kernels of {@code recipe}'s model (its shapes, batch size, optimizer). */
    public static KernelWarmup start(TrainConfig recipe) {
        KernelWarmup w = new KernelWarmup(recipe);
        w.thread.start();
        return w;
    }

    /** Warm-up steps run so far. */
    public long steps() {
        return steps;
    }

    /**
     * Asks the warm-up to stop after its current step, without waiting: a step of a large model run
     * before C2 has compiled its kernels can take seconds (its one evaluation longer), and the caller's
     * training need not wait for it, since the copy does not change the caller's results.
     */
    public void stop() {
        stopped = true;
    }

    /** Stops the warm-up and waits for its current step to end; the copy is discarded. */
    @Override
    public void close() {
        stop();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** What stopped the warm-up early, if anything (it never fails the caller: it only saves time). */
    public Throwable failure() {
        return failure;
    }

    private void run(TrainConfig recipe) {
        Parallel.limitCallerThreads(1);
        Parallel.keepChunksWhenCapped(true);
        try {
            ModelSpec spec = recipe.model();
            int batch = recipe.batch();
            // one full evaluation batch and a partial one, as the periodic evaluation sees
            Split train = synthetic(spec, 2 * batch, 1);
            Split test = synthetic(spec, Evaluator.DEFAULT_BATCH + batch, 2);
            Trainer trainer = recipe.trainerBuilder(
                            Dataset.of("warm-up", spec.classes(), train, test), Models.build(spec, recipe.seed()))
                    .threadTuning(false).build();
            while (!stopped) {
                trainer.trainStep();
                steps++;
                if (steps == EVAL_AFTER) {
                    trainer.evaluate(test);
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Pixels in [0, 1) and labels cycling through the classes, from a fixed seed. */
    private static Split synthetic(ModelSpec spec, int n, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        int features = spec.channels() * spec.height() * spec.width();
        float[] x = new float[n * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (rng.nextLong() >>> 40) * 0x1.0p-24f;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % spec.classes();
        }
        return new Split(x, y, spec.channels(), spec.height(), spec.width());
    }
}
