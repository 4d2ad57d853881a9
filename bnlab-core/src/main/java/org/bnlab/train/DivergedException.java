package org.bnlab.train;

/** Training produced a non-finite loss or logits: the run diverged (typically a too-high learning rate). */
public final class DivergedException extends IllegalStateException {
    private final long step;

    public DivergedException(long step, String what) {
        super("training diverged at step " + step + ": " + what + " (try a smaller learning rate, or --bn)");
        this.step = step;
    }

    public long step() {
        return step;
    }
}
