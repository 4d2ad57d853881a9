package org.bnlab.nn;

import java.util.function.DoubleUnaryOperator;

/** Central finite differences in double precision, for the gradient checks. */
final class GradCheck {
    private GradCheck() {}

    /** d f / d x by central difference with step h (f evaluated in double). */
    static double derivative(DoubleUnaryOperator f, double x, double h) {
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2 * h);
    }

    static void assertClose(String what, double expected, double actual, double rtol, double atol) {
        if (!(Math.abs(expected - actual) <= atol + rtol * Math.abs(expected))) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }
}
