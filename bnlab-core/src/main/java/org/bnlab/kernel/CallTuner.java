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
 * <p>What is timed: the period from one call of a site to its next, not the call alone. A split costs
 * also outside the call: in that far-apart stretch the split GEMM's own time was 30 us against 40 on
 * the caller alone, but the caller's packing of B before the next call then took 38 us instead of 12
 * (it rewrites lines the other thread had read); the period saw the whole 66 against 51.
 *
 * <p>How: a call site is the task object's identity (or, for a task that kernels share between
 * layers, a hash the caller gives, e.g. of its weight array's identity) and the range length: a layer
 * at a batch size. Sites are hashed into {@value #SLOTS} slots without keeping a reference (a slot taken
 * by another site starts over). A site starts on all threads; its calls {@value #BURST} to
 * 2 * {@value #BURST} - 1 run on the caller alone, then bursts of {@value #BURST} run on the arm not
 * chosen: {@value #PROBE_EVERY} calls after a burst that changed the choice, and {@value #GROWTH} times
 * the last interval after one that kept it, up to where the bursts cost {@value #PROBE_COST} of the
 * time (every 1,333 calls for an arm 2x slower; at most every {@value #MAX_INTERVAL}): a site pays for
 * each of its bursts, and an inference model has several sites (measured with bursts every 64 calls:
 * CNN inference 5-9% slower than without the tuning). The period of the first call after a change of arm is not
 * counted: it pays for the change (a worker parked during calls on the caller alone takes tens of
 * microseconds to wake; data the other thread wrote is in its cache), which the arm's later calls do
 * not. The chosen arm's estimate is an exponential mean of its periods (weight {@value #WEIGHT}; a
 * period above {@value #CLAMP} times the mean counts as that, so one preemption does not decide, and one
 * above {@value #GAP} times not at all: the site was idle, as an evaluation between training steps);
 * the other arm's is the median of its last burst's three counted periods, fresh, so that what it
 * measured while the JIT compiler was still at work (periods 20-150x the steady ones) does not linger.
 * An arm is left only for one faster by more than {@value #MARGIN}. Allocation-free: fixed arrays. Not
 * thread-safe: {@link Parallel} uses it under its pool lock.
 */
final class CallTuner {

    /** Arm: all threads. */
    static final int ALL = 0;
    /** Arm: the caller's thread alone. */
    static final int ONE = 1;

    static final int SLOTS = 256;
    static final int PROBE_EVERY = 64;
    /** Longest interval between bursts, in calls. */
    static final int MAX_INTERVAL = 4096;
    /** Factor by which a burst that kept the choice lengthens the interval to the next. */
    static final int GROWTH = 4;
    /** Share of the time the bursts may cost: the interval grows with how much slower the other arm was. */
    static final double PROBE_COST = 0.003;
    /** Calls per burst on the arm not chosen: the first pays for the change, the median of the other three counts. */
    static final int BURST = 4;
    static final double WEIGHT = 0.25;
    static final double MARGIN = 0.05;
    static final double CLAMP = 2.0;
    static final double GAP = 8.0;

    private final long[] keys = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private final int[] choice = new int[SLOTS];
    /** Calls until the next burst on the other arm starts (a countdown: no counter to overflow), calls left in the current burst, its arm. */
    private final int[] untilBurst = new int[SLOTS];
    /** Calls between the last burst and the next. */
    private final int[] interval = new int[SLOTS];
    private final int[] burstLeft = new int[SLOTS];
    private final int[] burstArm = new int[SLOTS];
    /** The current burst's counted periods (BURST - 1 per slot) and how many there are. */
    private final long[] burstPeriods = new long[SLOTS * (BURST - 1)];
    private final int[] burstCount = new int[SLOTS];
    /** The site's previous call: its arm (-1: none), its start (ns), whether it was the first after a change of arm, in a burst. */
    private final int[] lastArm = new int[SLOTS];
    private final long[] lastStart = new long[SLOTS];
    private final boolean[] switched = new boolean[SLOTS];
    private final boolean[] inBurst = new boolean[SLOTS];
    /** Period estimate in ns per arm ([ALL], [ONE]); 0 = not measured yet. */
    private final double[][] mean = new double[2][SLOTS];

    /** The slot of the call site (site, n), reset if another site held it. */
    int slot(int site, int n) {
        long key = key(site, n);
        int s = (int) (mix(key) & (SLOTS - 1));
        if (!used[s] || keys[s] != key) {
            used[s] = true;
            keys[s] = key;
            choice[s] = ALL;
            untilBurst[s] = BURST;
            interval[s] = PROBE_EVERY;
            burstLeft[s] = 0;
            lastArm[s] = -1;
            mean[ALL][s] = 0;
            mean[ONE][s] = 0;
        }
        return s;
    }

    /** The slot index (site, n) hashes to, without claiming it (for tests). */
    int slotIndexFor(int site, int n) {
        return (int) (mix(key(site, n)) & (SLOTS - 1));
    }

    private static long key(int site, int n) {
        return (long) site << 32 | (n & 0xFFFFFFFFL);
    }

    /**
     * The arm the call of the slot's site starting at {@code now} (ns) runs on; counts the period since
     * the site's previous call for that call's arm.
     */
    int arm(int s, long now) {
        if (lastArm[s] >= 0 && !switched[s]) {
            long period = Math.max(1, now - lastStart[s]);
            if (inBurst[s]) {
                burstPeriod(s, lastArm[s], period);
            } else {
                chosenPeriod(s, lastArm[s], period);
            }
        }
        int arm;
        boolean burst = true;
        int until = --untilBurst[s];
        if (burstLeft[s] > 0) {
            burstLeft[s]--;
            arm = burstArm[s];
        } else if (until < 0) {
            burstArm[s] = 1 - choice[s];
            burstLeft[s] = BURST - 1;
            burstCount[s] = 0;
            untilBurst[s] = PROBE_EVERY - 1;
            arm = burstArm[s];
        } else {
            arm = choice[s];
            burst = false;
        }
        inBurst[s] = burst;
        switched[s] = arm != lastArm[s];
        lastArm[s] = arm;
        lastStart[s] = now;
        return arm;
    }

    /** A period of the chosen arm: into its exponential mean, clamped; a gap (the site idle) is skipped. */
    private void chosenPeriod(int s, int arm, long period) {
        double m = mean[arm][s];
        if (m > 0 && period > GAP * m) {
            return;
        }
        mean[arm][s] = m == 0 ? period : m + WEIGHT * (Math.min(period, CLAMP * m) - m);
        decide(s);
    }

    /** A counted period of a burst: the burst's median, once complete, is the arm's estimate. */
    private void burstPeriod(int s, int arm, long period) {
        int base = s * (BURST - 1);
        burstPeriods[base + burstCount[s]++] = period;
        if (burstCount[s] < BURST - 1) {
            return;
        }
        long a = burstPeriods[base];
        long b = burstPeriods[base + 1];
        long c = burstPeriods[base + 2];
        mean[arm][s] = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // median of three
        decide(s);
        // the next burst: PROBE_EVERY calls on if this one changed the choice; else GROWTH times as far as
        // the last interval, up to where bursts would cost about PROBE_COST (BURST calls, each r - 1 of a
        // call too long for an arm r times slower): growing, so that an estimate made while the JIT
        // compiler was still at work (r of 4 and more) is measured again within a few bursts
        if (choice[s] == arm) {
            interval[s] = PROBE_EVERY;
        } else {
            double r = mean[arm][s] / Math.max(1, mean[1 - arm][s]);
            int cap = (int) Math.min(MAX_INTERVAL, Math.max(PROBE_EVERY, BURST * (r - 1) / PROBE_COST));
            interval[s] = Math.min(cap, GROWTH * interval[s]);
        }
        untilBurst[s] = interval[s];
    }

    private void decide(int s) {
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
