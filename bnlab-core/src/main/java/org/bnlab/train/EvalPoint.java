package org.bnlab.train;

/**
 * One periodic evaluation during training.
 *
 * @param step           optimizer steps taken so far
 * @param trainLoss      mean mini-batch loss since the previous evaluation
 * @param testLoss       mean cross-entropy over the evaluation split (NaN without one)
 * @param testAccuracy   accuracy over the evaluation split (NaN without one)
 * @param elapsedSeconds training time so far, across resumes
 */
public record EvalPoint(long step, double trainLoss, double testLoss, double testAccuracy, double elapsedSeconds) {}
