package org.bnlab.kernel;

/**
 * Chooses, per call site, whether a {@link Parallel#forRange} call that would be split runs on all
 * threads or on the caller's alone, by timing both. Results do not depend on the choice (every kernel
 * gives the same bits for any split), only the speed does.
 *
 * <p>Why: whether a second thread pays for a single kernel call is a property of the moment. On the
 * 2-vCPU KVM guests this project measures on, with another process on the second core, a split GEMM
 * of the MLP's shapes took 1.06-1.16x its time on the caller alone and CNN inference at batch 256
 * 1.05-1.08x (10 fresh JVMs per JDK, medians); when the host puts the two vCPUs far apart, a split
 * gemm.nt[60,100,784] took 0.066 ms where the caller alone takes 0.051. A training step has its own
 * tuning (the trainer's ThreadTuner decides for the whole step and caps its calls); this one covers
 * what runs outside it: inference, evaluation, a benchmark's kernel, user code.
 *
 * <p>How: a call site is the task object and the range length (a layer keeps its tasks, so this is a
 * layer at a batch size), hashed into {@value #SLOTS} slots without keeping a reference (a slot taken
 * by another site starts over). Each slot keeps an exponential mean (weight {@value #WEIGHT}) of the
 * call time on each arm; a site's first call runs on all threads, its second on the caller alone,
 * then the arm with the lower mean, and every {@value #PROBE_EVERY}th call the other arm, so a change
 * of conditions (the other core filling or emptying, JIT compilation ending) is seen within a few
 * probes. An arm is left only for one faster by more than {@value #MARGIN}; a sample above
 * {@value #CLAMP} times its arm's mean counts as that (one GC pause or preemption does not decide).
 * Allocation-free: fixed arrays. Not thread-safe: {@link Parallel} uses it under its pool lock.
 */
final class CallTuner {

    /** Arm: all threads. */
    static final int ALL = 0;
    /** Arm: the caller's thread alone. */
    static final int ONE = 1;

    static final int SLOTS = 256;
    static final int PROBE_EVERY = 32;
    static final double WEIGHT = 0.25;
    static final double MARGIN = 0.05;
    static final double CLAMP = 2.0;

    private final long[] keys = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private final int[] calls = new int[SLOTS];
    private final int[] choice = new int[SLOTS];
    /** Mean call time in ns per arm ([ALL], [ONE]); 0 = not measured yet. */
    private final double[][] mean = new double[2][SLOTS];

    /** The slot of the call site (task, n), reset if another site held it. */
    int slot(Object task, int n) {
        long key = key(task, n);
        int s = (int) (mix(key) & (SLOTS - 1));
        if (!used[s] || keys[s] != key) {
            used[s] = true;
            keys[s] = key;
            calls[s] = 0;
            choice[s] = ALL;
            mean[ALL][s] = 0;
            mean[ONE][s] = 0;
        }
        return s;
    }

    /** The slot index (task, n) hashes to, without claiming it (for tests). */
    int slotIndexFor(Object task, int n) {
        return (int) (mix(key(task, n)) & (SLOTS - 1));
    }

    private static long key(Object task, int n) {
        return (long) System.identityHashCode(task) << 32 | (n & 0xFFFFFFFFL);
    }

    /** The arm the next call of the slot's site runs on. */
    int arm(int s) {
        int c = calls[s]++;
        if (c == 0) {
            return ALL;
        }
        if (mean[ONE][s] == 0) {
            return ONE;
        }
        return c % PROBE_EVERY == 0 ? 1 - choice[s] : choice[s];
    }

    /** Records a call's time on an arm and updates the slot's choice. */
    void record(int s, int arm, long nanos) {
        double m = mean[arm][s];
        double t = Math.max(1, nanos);
        if (m == 0) {
            mean[arm][s] = t;
        } else {
            mean[arm][s] = m + WEIGHT * (Math.min(t, CLAMP * m) - m);
        }
        double all = mean[ALL][s];
        double one = mean[ONE][s];
        if (all == 0 || one == 0) {
            return;
        }
        if (choice[s] == ALL && one < all * (1 - MARGIN)) {
            choice[s] = ONE;
        } else if (choice[s] == ONE && all < one * (1 - MARGIN)) {
            choice[s] = ALL;
        }
    }

    /** The arm a site's calls run on between probes (for tests and diagnostics). */
    int chosen(int s) {
        return choice[s];
    }

    /** A 64-bit finalizer (splitmix64): neighbouring keys land in unrelated slots. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
