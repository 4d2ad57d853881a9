package org.bnlab.nn;

import org.bnlab.tensor.Tensor;

/**
 * A module that keeps the call being run in fields (its input, output and gradient buffers) and so
 * takes one call at a time: {@link #forwardBuffered} and {@link #backwardBuffered(Tensor, boolean)}
 * run under a {@link CallGuard}, so a second thread arriving during a call gets an
 * IllegalStateException instead of mixed numbers. Subclasses implement {@link #forwardImpl} and
 * {@link #backwardImpl}.
 */
abstract class GuardedModule implements Module {
    private final CallGuard guard;

    /** {@code name} names the module in the guard's message, e.g. {@code Linear(784, 100)}. */
    GuardedModule(String name) {
        this.guard = new CallGuard(name);
    }

    abstract Tensor forwardImpl(Tensor x, boolean training);

    abstract Tensor backwardImpl(Tensor gradOutput, boolean inputGrad);

    @Override
    public final Tensor forwardBuffered(Tensor x, boolean training) {
        guard.enter();
        try {
            return forwardImpl(x, training);
        } finally {
            guard.exit();
        }
    }

    /** Copies the result inside the guard: the buffer belongs to the next call as soon as the guard is released. */
    @Override
    public final Tensor forward(Tensor x, boolean training) {
        guard.enter();
        try {
            return forwardImpl(x, training).copy();
        } finally {
            guard.exit();
        }
    }

    @Override
    public final Tensor backward(Tensor gradOutput) {
        guard.enter();
        try {
            Tensor g = backwardImpl(gradOutput, true);
            return g == null ? null : g.copy();
        } finally {
            guard.exit();
        }
    }

    @Override
    public final Tensor backwardBuffered(Tensor gradOutput) {
        return backwardBuffered(gradOutput, true);
    }

    @Override
    public final Tensor backwardBuffered(Tensor gradOutput, boolean inputGrad) {
        guard.enter();
        try {
            return backwardImpl(gradOutput, inputGrad);
        } finally {
            guard.exit();
        }
    }
}
