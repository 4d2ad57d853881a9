package org.bnlab.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.bnlab.train.EvalPoint;

/**
 * What one replica's barrier task returns after running its steps of a segment: its timings, and from
 * replica 0 only the state to checkpoint and the evaluations.
 *
 * @param model       replica 0's model state_dict (null for the others)
 * @param trainer     replica 0's trainer state ({@link org.bnlab.train.Trainer#stateDict()}) (null for the others)
 * @param evals       replica 0's evaluations in the segment, rows (step, trainLoss, testLoss, testAccuracy,
 *                    elapsedSeconds) (EvalPoint is not Serializable; empty for the others)
 * @param lastLoss    the global batch's loss at the segment's last step
 * @param divergedAt  the step at which training diverged (every replica sees the same global loss), or -1
 * @param seconds     wall time of the steps
 * @param commSeconds of which inside the collective (all-gathers, waiting for the slowest replica included)
 * @param commCalls   all-gather calls made
 */
record Segment(int rank, StateSnapshot model, StateSnapshot trainer, double[][] evals, float lastLoss,
               long divergedAt, String divergence, long steps, double seconds, double commSeconds, long commCalls)
        implements Serializable {

    static double[] row(EvalPoint p) {
        return new double[] {p.step(), p.trainLoss(), p.testLoss(), p.testAccuracy(), p.elapsedSeconds()};
    }

    List<EvalPoint> evalPoints() {
        List<EvalPoint> out = new ArrayList<>();
        for (double[] r : evals) {
            out.add(new EvalPoint((long) r[0], r[1], r[2], r[3], r[4]));
        }
        return out;
    }
}
