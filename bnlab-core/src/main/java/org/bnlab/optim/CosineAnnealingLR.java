package org.bnlab.optim;

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR (SGDR without restarts):
 * lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.
 * Past T_max it rises again with period 2 T_max, exactly like PyTorch's recursive form.
 */
public final class CosineAnnealingLR extends LRScheduler {

    private final int tMax;
    private final double etaMin;

    /** PyTorch's default eta_min is 0. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax <= 0) {
            throw new IllegalArgumentException("CosineAnnealingLR: T_max must be > 0, got " + tMax);
        }
        if (!(etaMin >= 0 && etaMin < baseLr())) {
            throw new IllegalArgumentException("CosineAnnealingLR: eta_min must be in [0, base lr " + baseLr()
                    + "), got " + etaMin);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        return etaMin + (baseLr() - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
