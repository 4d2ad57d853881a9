package org.bnlab.optim;

/** torch.optim.lr_scheduler.ExponentialLR: lr = base_lr * gamma^epoch. */
public final class ExponentialLR extends LRScheduler {

    private final double gamma;

    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(optimizer);
        if (!(gamma > 0 && Double.isFinite(gamma))) {
            throw new IllegalArgumentException("ExponentialLR: gamma must be > 0, got " + gamma);
        }
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        return baseLr() * Math.pow(gamma, epoch);
    }
}
