package org.bnlab.train;

import java.util.function.LongSupplier;
import org.bnlab.kernel.Parallel;

/**
 * Runs each training step on all the engine's threads or on the caller's alone, whichever the last
 * measurement found faster. Results do not depend on the choice (every kernel gives the same bits for
 * any thread count), only the speed does.
 *
 * <p>Why: whether a second thread helps a small step is a property of the moment, not of the code.
 * On the 2-vCPU KVM guests this project measures on, the paper MLP's step at batch 256 takes 0.65 ms
 * on 2 threads most of the time and 0.95-1.04 ms in stretches of seconds, where 1 thread takes 0.79:
 * in those stretches a cache line takes 360-415 ns to go from one vCPU to the other and back instead
 * of 55-75 (the host has put the two vCPUs far apart), and every kernel's output that the other
 * thread reads next pays it. With another process on the second core, or the JIT compiler busy on it
 * during warm-up, one thread can also win. Nothing in the step can see this; timing it can.
 *
 * <p>How: the steps start on 1 thread, and the first probe comes once the step time has settled (two
 * windows of {@value #WARM_WINDOW} steps within {@value #WARM_TOLERANCE} of each other) or
 * {@value #WARM_MAX_NANOS} ns after the first step: while the JIT compiler works, it holds the second
 * core, and probing 2-thread steps then (up to 10x slower) cost a 3,000-step run 3-7% against 1 thread.
 * A probe runs {@value #BLOCKS} alternating blocks of steps on all
 * threads and on 1 ({@code 1, N, 1, N} or {@code N, 1, N, 1}, so a drift in speed, as during JIT
 * warm-up, affects both arms alike); a block ends after {@value #MIN_BLOCK_STEPS} steps once it has
 * lasted {@value #BLOCK_NANOS} ns, or after {@value #MAX_BLOCK_STEPS} steps, so a much slower arm runs
 * few steps. The arm whose mean step (without its slowest) is faster by more than {@value #MARGIN} is
 * used until the next probe; after two blocks already when one arm is {@value #CLEAR} times faster.
 * The probe's cost is the slower arm's steps times how much slower they were; the next probe comes
 * {@value #INTERVAL_PROBES} times that cost later (at least {@value #MIN_INTERVAL_NANOS} ns), so probing
 * stays near 1% of the run however slow one arm is; on all threads, each probe that keeps the choice
 * doubles the interval (up to {@value #MAX_INTERVAL_NANOS} ns unless the cost asks for more). A probe
 * comes sooner once {@value #DRIFT_STEPS} steps in a row took more than {@value #DRIFT} away from the
 * chosen arm's mean at the last probe (warm-up ending, the other core filling or emptying), a quarter
 * of that interval after the last probe. Allocation-free: the step times go into preallocated arrays.
 *
 * <p>The 1-thread arm caps the caller at 1 thread ({@link Parallel#limitCallerThreads}), which still
 * runs each call through the pool's code, as one chunk; one 1-thread step in {@value #CHUNKED_EVERY} runs
 * the chunks of a 2-thread step instead ({@link Parallel#keepChunksWhenCapped}), so that the pool and
 * the kernels stay compiled for what a 2-thread step does. Without that, a kernel compiled while only
 * whole ranges came keeps traps for the chunked ones, and the first 2-thread steps after a stretch on 1
 * thread ran interpreted: 3-20 ms for seconds (JDK 25), or 1.0 ms for 10 s where a 2-thread run takes
 * 0.70 (JDK 17), so the probes kept choosing 1 thread.
 */
final class ThreadTuner {

    static final int BLOCKS = 4;
    static final long BLOCK_NANOS = 8_000_000;
    static final int MIN_BLOCK_STEPS = 3;
    static final int MAX_BLOCK_STEPS = 64;
    static final double MARGIN = 0.03;
    static final double CLEAR = 2.0;
    static final int CHUNKED_EVERY = 8;
    static final int INTERVAL_PROBES = 100;
    static final long MIN_INTERVAL_NANOS = 250_000_000;
    static final long MAX_INTERVAL_NANOS = 4_000_000_000L;
    static final double DRIFT = 0.25;
    static final int DRIFT_STEPS = 16;
    static final int WARM_WINDOW = 32;
    static final double WARM_TOLERANCE = 0.10;
    static final long WARM_MAX_NANOS = 3_000_000_000L;

    private final LongSupplier clock;
    private final long[][] samples = new long[2][BLOCKS / 2 * MAX_BLOCK_STEPS];
    private final int[] counts = new int[2];
    private final long[] stepsOn = new long[2];

    /** Arm used between probes: 0 = all threads, 1 = the caller's thread alone (the start: see warm-up). */
    private int choice = 1;
    /** Probe in progress: the current block (0..BLOCKS-1), or -1 between probes. */
    private int block = -1;
    private int stepsInBlock;
    private long blockStart;
    private int firstArm;
    /** Earliest start of the next probe, set by each probe (the first one: see watchWarmUp). */
    private long nextProbe;
    /** Earliest start of a probe brought forward by a drift in step time. */
    private long nextEarlyProbe;
    private boolean probeDue;
    /** Warm-up: the start of the first step, and the sums of the current and the previous window of steps. */
    private long firstStep = Long.MIN_VALUE;
    private long windowSum;
    private long previousWindow;
    private int windowSteps;
    /** The chosen arm's mean step at the last probe, and how many steps in a row have been far from it. */
    private long reference;
    /** Whether a probe has finished (before: the warm-up watch decides when the first comes). */
    private boolean probed;
    /** Probes in a row that kept the choice: each doubles the interval to the next. */
    private int confirmed;
    private int drifted;
    private long lastStepNanos;
    private long stepStart;
    private int armOfStep;
    private int previousCap;
    private boolean previousKeep;

    /** A tuner timed by {@code clock} (nanoseconds, e.g. {@code System::nanoTime}). */
    ThreadTuner(LongSupplier clock) {
        this.clock = clock;
    }

    /** Before a step: caps the calling thread's kernels at the arm this step runs on. */
    void beforeStep() {
        long now = clock.getAsLong();
        if (firstStep == Long.MIN_VALUE) {
            firstStep = now;
        }
        if (block < 0 && probeDue && Parallel.threads() > 1) {
            startProbe(now);
        }
        armOfStep = block < 0 ? choice : (block % 2 == 0 ? firstArm : 1 - firstArm);
        previousCap = Parallel.limitCallerThreads(armOfStep == 0 ? 0 : 1);
        // one 1-thread step in CHUNKED_EVERY runs the 2-thread chunks (on this thread): kernels then stay
        // compiled for the ranges a 2-thread step gives them (see Parallel.keepChunksWhenCapped)
        previousKeep = Parallel.keepChunksWhenCapped(armOfStep == 1 && stepsOn[1] % CHUNKED_EVERY == 0);
        stepStart = clock.getAsLong();
    }

    private void startProbe(long now) {
        block = 0;
        stepsInBlock = 0;
        counts[0] = 0;
        counts[1] = 0;
        firstArm = 1 - firstArm; // alternate which arm opens a probe
        blockStart = now;
    }

    /** After a step (also one that threw): restores the cap and records the step's time. */
    void afterStep() {
        long end = clock.getAsLong();
        Parallel.limitCallerThreads(previousCap);
        Parallel.keepChunksWhenCapped(previousKeep);
        long took = end - stepStart;
        lastStepNanos = took;
        stepsOn[armOfStep]++;
        if (block < 0) {
            watchDrift(end, took);
            return;
        }
        int arm = armOfStep;
        samples[arm][counts[arm]++] = took;
        // a block ends after MIN_BLOCK_STEPS steps and BLOCK_NANOS, or MAX_BLOCK_STEPS steps: so a much
        // slower arm runs few steps, and a fast one enough for a stable mean
        if (++stepsInBlock < MIN_BLOCK_STEPS || (end - blockStart < BLOCK_NANOS && stepsInBlock < MAX_BLOCK_STEPS)) {
            return;
        }
        stepsInBlock = 0;
        blockStart = end;
        ++block;
        if (block < BLOCKS && block != 2) {
            return;
        }
        long all = trimmedMean(samples[0], counts[0]);
        long one = trimmedMean(samples[1], counts[1]);
        // after one block of each arm, a clear winner (CLEAR times faster) ends the probe: repeating it
        // would only add slow steps (during JIT warm-up, 2-thread steps can take 10x longer)
        boolean clear = block == 2 && Math.max(all, one) >= CLEAR * Math.min(all, one);
        if (block < BLOCKS && !clear) {
            return;
        }
        block = -1;
        long current = choice == 0 ? all : one;
        long other = choice == 0 ? one : all;
        if (other < current * (1 - MARGIN)) {
            choice = 1 - choice;
            confirmed = 0;
        } else {
            confirmed = Math.min(confirmed + 1, 16);
        }
        reference = choice == 0 ? all : one;
        probed = true;
        drifted = 0;
        probeDue = false;
        // the probe's cost: the slower arm's steps times how much slower they were; the next probe comes
        // after INTERVAL_PROBES times that, so probing stays near 1/INTERVAL_PROBES of the run however
        // slow one arm is (a JIT compile or another process on the other core makes 2-thread steps ms long)
        long lost = Math.abs(all - one) * (all > one ? counts[0] : counts[1]);
        long interval = Math.max(MIN_INTERVAL_NANOS, INTERVAL_PROBES * lost);
        if (choice == 0) {
            // on all threads, each confirmation doubles the interval, up to MAX_INTERVAL_NANOS
            interval = Math.max(interval, Math.min(MAX_INTERVAL_NANOS, interval << confirmed));
        }
        nextProbe = end + interval;
        nextEarlyProbe = end + Math.max(MIN_INTERVAL_NANOS, INTERVAL_PROBES * lost) / 4;
    }

    /**
     * Before the first probe: due once the step time has settled (two windows of WARM_WINDOW steps within
     * WARM_TOLERANCE of each other) or WARM_MAX_NANOS after the first step, whichever comes first.
     */
    private void watchWarmUp(long now, long took) {
        windowSum += took;
        if (++windowSteps == WARM_WINDOW) {
            boolean settled = previousWindow > 0 && Math.abs(windowSum - previousWindow) <= WARM_TOLERANCE * previousWindow;
            previousWindow = windowSum;
            windowSum = 0;
            windowSteps = 0;
            probeDue = settled;
        }
        probeDue |= now - firstStep >= WARM_MAX_NANOS;
    }

    /** Between probes: a probe is due at its time, or earlier once the step time has drifted from the reference. */
    private void watchDrift(long now, long took) {
        if (!probed) {
            watchWarmUp(now, took);
            return;
        }
        if (reference > 0 && Math.abs(took - reference) > DRIFT * reference) {
            drifted++;
        } else {
            drifted = 0;
        }
        probeDue = now - nextProbe >= 0 || (drifted >= DRIFT_STEPS && now - nextEarlyProbe >= 0);
    }

    /** Whether a probe has finished: the choice between probes is a measured one from then on. */
    boolean settled() {
        return probed;
    }

    /** The thread cap for {@link Parallel#limitCallerThreads} that runs work as the steps between probes do now. */
    int chosenCap() {
        return choice == 0 ? 0 : 1;
    }

    /** Whether the step under way (between {@link #beforeStep} and {@link #afterStep}) runs on 1 thread. */
    boolean stepOnOneThread() {
        return armOfStep == 1;
    }

    /** Threads the steps between probes run on now. */
    int chosenThreads() {
        return choice == 0 ? Parallel.threads() : 1;
    }

    /** Steps run so far on all threads ({@code [0]}) and on 1 thread ({@code [1]}), probes included. */
    long[] stepsByArm() {
        return stepsOn.clone();
    }

    /**
     * Mean step time of an arm without its slowest step: the mean, because throughput is what counts
     * (with another process on the second core, 2-thread steps are fast or slow depending on whether the
     * worker got its time slice, and the median can pick the wrong arm); without the slowest step, so
     * one GC pause does not decide.
     */
    private static long trimmedMean(long[] a, int n) {
        long sum = 0;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            sum += a[i];
            max = Math.max(max, a[i]);
        }
        return n > 1 ? (sum - max) / (n - 1) : sum;
    }
}
