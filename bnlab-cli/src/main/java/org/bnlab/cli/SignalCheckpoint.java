package org.bnlab.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bnlab.train.PeriodicCheckpoint;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/**
 * Saves a checkpoint when the JVM is asked to stop (SIGINT, SIGTERM: a shutdown hook), after the
 * step in progress. The hook asks the training thread for a save and waits for it (up to
 * {@value #WAIT_SECONDS} s); the JVM exits once the hook returns. A kill -9 runs nothing: the
 * periodic checkpoints cover it.
 */
final class SignalCheckpoint implements TrainingListener, AutoCloseable {
    static final int WAIT_SECONDS = 60;

    private final PeriodicCheckpoint checkpoints;
    private final CountDownLatch saved = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean stopping;
    private volatile boolean training = true;

    private SignalCheckpoint(PeriodicCheckpoint checkpoints) {
        this.checkpoints = checkpoints;
        this.hook = new Thread(this::onShutdown, "bnlab-checkpoint-on-exit");
    }

    static SignalCheckpoint install(PeriodicCheckpoint checkpoints) {
        SignalCheckpoint s = new SignalCheckpoint(checkpoints);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    private void onShutdown() {
        if (!training) {
            return;
        }
        stopping = true;
        try {
            if (saved.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                System.err.println("bnlab: stopped; checkpoint saved at step " + checkpoints.lastSaved()
                        + " (continue with --resume)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onStepEnd(Trainer trainer) {
        if (stopping) {
            checkpoints.save(trainer); // a no-op if this step is already saved
            saved.countDown();
            training = false;
            // keep the training thread here until the JVM halts: no further step can start
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        training = false;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
