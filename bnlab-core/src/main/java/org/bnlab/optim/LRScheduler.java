package org.bnlab.optim;

/**
 * A learning-rate schedule that sets its optimizer's lr from an epoch counter, like
 * torch.optim.lr_scheduler: construction sets lr = lr(0) from the optimizer's current (base) lr and
 * each {@link #step()} advances the counter by one and sets lr = lr(epoch).
 *
 * <p>"Epoch" is whatever unit the caller steps in: call {@link #step()} once per optimizer step for a
 * per-step schedule, or once per pass over the data for a per-epoch one (PyTorch's convention, with
 * step() after the epoch's optimizer steps). The lr is the closed form of the epoch, so a resume only
 * needs {@link #lastEpoch()}: re-create optimizer and scheduler, then {@link #setLastEpoch}. The
 * closed forms equal PyTorch's recursive updates up to double rounding (golden-tested).
 */
public abstract class LRScheduler {

    private final Optimizer optimizer;
    private final double baseLr;
    private int lastEpoch;

    LRScheduler(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("scheduler needs an optimizer");
        }
        this.optimizer = optimizer;
        this.baseLr = optimizer.lr();
    }

    /** Sets the optimizer's lr for epoch 0; subclasses call it after validating their settings. */
    final void start() {
        apply();
    }

    /** The schedule's lr at {@code epoch} (>= 0). */
    public abstract double lrAt(int epoch);

    public final void step() {
        lastEpoch++;
        apply();
    }

    public final int lastEpoch() {
        return lastEpoch;
    }

    /** Moves to {@code epoch} (for a resume) and sets the optimizer's lr accordingly. */
    public final void setLastEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        lastEpoch = epoch;
        apply();
    }

    /** The initial lr the schedule scales (the optimizer's lr at construction). */
    public final double baseLr() {
        return baseLr;
    }

    /** The optimizer's current lr. */
    public final double lr() {
        return optimizer.lr();
    }

    private void apply() {
        optimizer.setLr(lrAt(lastEpoch));
    }
}
