package org.bnlab.train;

import org.bnlab.nn.StateDict;

/**
 * Stops a run whose loss explodes while staying finite (a sigmoid network at lr 1e30 ends near 1e30,
 * never NaN): at {@code patience} consecutive evaluations the mean training loss exceeds
 * {@code factor} times the first step's loss. The first loss and the count of bad evaluations are part
 * of the trainer's state, so a resumed run judges exactly as an uninterrupted one.
 */
final class DivergenceCheck {
    private final double factor;
    private final int patience;
    private double firstLoss = Double.NaN;
    private long badEvals;

    DivergenceCheck(double factor, int patience) {
        if (!(factor > 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("divergence factor must be finite and > 1, got " + factor);
        }
        if (patience < 1) {
            throw new IllegalArgumentException("divergence patience must be >= 1 evaluation, got " + patience);
        }
        this.factor = factor;
        this.patience = patience;
    }

    void observe(float loss) {
        if (Double.isNaN(firstLoss)) {
            firstLoss = loss;
        }
    }

    void check(EvalPoint p) {
        if (p.trainLoss() > factor * firstLoss) {
            badEvals++;
            if (badEvals >= patience) {
                throw new DivergedException(p.step(), String.format("mean training loss %.4g is above %.4g x the first step's loss %.4g"
                        + " at %d consecutive evaluations", p.trainLoss(), factor, firstLoss, badEvals));
            }
        } else {
            badEvals = 0;
        }
    }

    long badEvals() {
        return badEvals;
    }

    void stateDict(String prefix, StateDict out) {
        out.put(prefix + "first_loss_bits", Trainer.i64(Double.doubleToRawLongBits(firstLoss)));
        out.put(prefix + "bad_evals", Trainer.i64(badEvals));
    }

    void loadStateDict(String prefix, StateDict in) {
        firstLoss = Double.longBitsToDouble(Trainer.scalar(in, prefix + "first_loss_bits"));
        badEvals = Trainer.scalar(in, prefix + "bad_evals");
    }
}
