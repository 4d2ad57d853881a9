package org.bnlab.lab;

import java.util.Arrays;

/**
 * The curves of one training run, one entry per evaluation. A run that diverged keeps what it
 * measured before and NaN after, so the charts show a gap rather than an invented value.
 */
public record RunResult(long[] steps, double[] testAccuracy, double[] testLoss, double[] trainLoss,
                        long divergedAt, double seconds) {

    public boolean diverged() {
        return divergedAt >= 0;
    }

    public double finalAccuracy() {
        return testAccuracy[testAccuracy.length - 1];
    }

    public double[] stepsAsDouble() {
        return Arrays.stream(steps).asDoubleStream().toArray();
    }
}
