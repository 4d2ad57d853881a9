package org.bnlab.nn;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Detects two threads inside one module at once.
 *
 * <p>A layer keeps what its forward leaves for its backward (the input, the saved statistics, e.g.
 * {@link org.bnlab.nn.norm.BatchNorm}'s, and its output buffer), because {@code backward(dy)} takes no
 * other argument; two overlapping calls on one layer would mix each other's numbers. Each such call
 * runs between {@link #enter()} and {@link #exit()}: a second thread arriving while the first is
 * inside gets an IllegalStateException instead of a wrong result. Different layers share nothing.
 * One compare-and-set and one volatile write per call, no allocation (the training step stays
 * allocation-free).
 *
 * <pre>
 *   guard.enter();          // before the try: a refused call must not release the owner's claim
 *   try { ... } finally { guard.exit(); }
 * </pre>
 */
public final class CallGuard {
    private final String module;
    private final AtomicInteger busy = new AtomicInteger();

    /** {@code module} names the layer in the message, e.g. {@code BatchNorm(64)}. */
    public CallGuard(String module) {
        this.module = module;
    }

    /** Claims the module for this call; IllegalStateException if another call is inside. */
    public void enter() {
        if (!busy.compareAndSet(0, 1)) {
            throw new IllegalStateException(module
                    + " used from two threads at once; use one model per thread or the inference path");
        }
    }

    /** Releases the claim taken by a successful {@link #enter()}. */
    public void exit() {
        busy.set(0);
    }
}
