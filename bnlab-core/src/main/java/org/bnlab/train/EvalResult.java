package org.bnlab.train;

/** Mean cross-entropy and accuracy over a whole split. */
public record EvalResult(double loss, double accuracy, int examples) {}
