package org.bnlab.optim;

/** torch.optim.lr_scheduler.StepLR: lr = base_lr * gamma^floor(epoch / step_size). */
public final class StepLR extends LRScheduler {

    private final int stepSize;
    private final double gamma;

    /** PyTorch's default gamma is 0.1. */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) {
            throw new IllegalArgumentException("StepLR: step_size must be > 0, got " + stepSize);
        }
        if (!(gamma > 0 && Double.isFinite(gamma))) {
            throw new IllegalArgumentException("StepLR: gamma must be > 0, got " + gamma);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        return baseLr() * Math.pow(gamma, epoch / stepSize);
    }
}
