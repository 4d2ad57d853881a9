package org.bnlab.cli;

import java.io.PrintStream;
import org.bnlab.train.EvalPoint;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a training run: a live bar (step, loss, accuracy, steps/s, ETA) on a terminal, and a
 * plain line every {@code intervalSeconds} plus one per evaluation elsewhere (logs, CI).
 */
public final class Progress implements TrainingListener, AutoCloseable {
    private final ProgressBar bar;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long lastLineNanos = System.nanoTime();
    private final double intervalSeconds;
    private double lastAccuracy = Double.NaN;
    private long startStep = -1;

    public Progress(String label, long totalSteps, PrintStream out, double intervalSeconds) {
        this.label = label;
        this.total = totalSteps;
        this.out = out;
        this.intervalSeconds = intervalSeconds;
        boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM")) && System.getenv("CI") == null;
        this.bar = terminal
                ? new ProgressBarBuilder().setTaskName(label).setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250).showSpeed().build()
                : null;
    }

    @Override
    public void afterStep(Trainer trainer, float loss) {
        step(trainer.step(), loss);
    }

    @Override
    public void onEval(Trainer trainer, EvalPoint p) {
        eval(p);
    }

    void step(long step, float loss) {
        if (startStep < 0) {
            startStep = step - 1;
        }
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format(" loss %.4f acc %s", loss, fmtAcc()));
            return;
        }
        long now = System.nanoTime();
        if ((now - lastLineNanos) / 1e9 >= intervalSeconds) {
            lastLineNanos = now;
            double secs = (now - startNanos) / 1e9;
            double rate = (step - startStep) / Math.max(1e-9, secs);
            double eta = (total - step) / Math.max(1e-9, rate);
            out.printf("%s step %d/%d loss %.4f acc %s %.0f steps/s ETA %.0fs%n", label, step, total, loss, fmtAcc(), rate, eta);
        }
    }

    void eval(EvalPoint p) {
        lastAccuracy = p.testAccuracy();
        if (bar == null) {
            out.printf("%s eval step %d: train loss %.4f, test loss %.4f, test accuracy %.2f%%%n",
                    label, p.step(), p.trainLoss(), p.testLoss(), 100 * p.testAccuracy());
        }
    }

    private String fmtAcc() {
        return Double.isNaN(lastAccuracy) ? "-" : String.format("%.2f%%", 100 * lastAccuracy);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
