package org.bnlab.kernel;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads that splits an index range [0, n) into contiguous chunks.
 *
 * <p>Why not ForkJoin: every {@code forRange} call here allocates nothing (the training step must not
 * allocate), and the chunks are a pure function of (n, grain, threads), so a kernel that computes
 * each output index the same way whatever thread runs it gives bit-identical results for any thread
 * count. Kernels never reduce across chunks; when they need a sum over the batch they split over the
 * output index (channels, rows) instead.
 *
 * <p>Scheduling: the range is cut into up to {@value #CHUNKS_PER_THREAD} chunks per thread, and the
 * caller and the workers claim them one at a time, in index order, from one atomic counter. So a
 * worker that the OS has not scheduled yet (the other core busy with another process) costs nothing:
 * the caller takes the chunks it would have run. The caller waits only for chunks already claimed.
 * Idle workers spin for {@value #SPIN_NANOS} ns (the next kernel of a training step usually comes
 * sooner) and then park, so they leave the core to others; the caller spins as briefly before
 * parking, and the worker that finishes the last chunk unparks it. (The previous design gave each
 * worker one fixed part and spun on it for up to 1 ms: with the other core busy, 2 threads trained
 * slower than 1, 269-316 against 440 steps/s.)
 *
 * <p>Thread count: system property {@code bnlab.threads}, else the number of available processors;
 * {@link #setThreads(int)} changes it at run time. Calls from inside a running task, or while another
 * thread holds the pool, run serially on the caller's thread: correct, never deadlocked. A caller
 * may also cap the threads its own calls use ({@link #limitCallerThreads}): the training loop does,
 * when it has measured that its steps run faster on fewer threads (see {@code ThreadTuner}).
 */
public final class Parallel {

    /** Work over a sub-range [from, to) of the index space. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /** Chunks per thread: small enough that a descheduled worker holds little, large enough to amortize a claim. */
    static final int CHUNKS_PER_THREAD = 4;
    /** How long an idle thread spins before it parks. */
    private static final long SPIN_NANOS = 50_000;

    private static final ReentrantLock LOCK = new ReentrantLock();
    /*
     * The two counters every thread polls sit each in the middle of an array 128+ bytes long, so no
     * other object can share their cache line: a spinning thread reads its counter's line
     * continuously, and whatever object the GC happened to place beside a plain AtomicLong would pay
     * a cross-core miss on every write. Idle threads poll STATE alone (a finished job is closed
     * again), not the job's fields in this class's statics. (Looked for as the cause of the 2-thread
     * mlp.step[batch=256] that runs 0.65-0.72 ms in most JVMs and 1.03-1.16 ms in some, flipping at
     * GCs: not the cause, which is still open; see docs/PERFORMANCE.md.)
     */
    /** Index of the live cell: 8 longs (64 bytes) on each side. */
    private static final int CELL = 8;
    /** Generation of the current job (high 32 bits) and its next unclaimed chunk (low 32 bits), at index CELL. */
    private static final AtomicLongArray STATE = new AtomicLongArray(2 * CELL + 1);
    /** Chunks of the current job that have finished, at index 2 * CELL (64 bytes of ints on each side). */
    private static final AtomicIntegerArray DONE = new AtomicIntegerArray(4 * CELL + 1);
    private static volatile Worker[] workers = new Worker[0];
    private static volatile int threads = defaultThreads();
    /**
     * Whether training steps may run on 1 thread when that measures faster (see {@link #threadTuning});
     * null until read: a bad system property then fails the caller with a clear message, not class loading.
     */
    private static volatile Boolean threadTuning;
    /**
     * Per calling thread: [0] the most threads its calls may use (0: no cap), [1] 1 if calls capped at 1
     * thread keep the chunks of an uncapped call (see {@link #keepChunksWhenCapped}).
     */
    private static final ThreadLocal<int[]> CALLER_LIMIT = ThreadLocal.withInitial(() -> new int[2]);

    // The job being run: written by the caller before it publishes a new generation in STATE, read by
    // a thread between reading STATE and claiming a chunk with a compare-and-set on it (which fails if
    // the job changed in between).
    private static RangeTask job;
    private static int jobN;
    private static int jobGrain;
    private static int jobChunks;
    /** Whether the current job is the caller's alone (a cap of 1): workers do not claim its chunks. */
    private static boolean jobCallerOnly;
    private static volatile Thread caller;
    private static volatile Throwable failure;

    private Parallel() {}

    private static int defaultThreads() {
        String p = System.getProperty("bnlab.threads");
        if (p != null && !p.isBlank()) {
            try {
                int t = Integer.parseInt(p.trim());
                if (t >= 1) {
                    return t;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException("system property bnlab.threads must be a positive integer, got '" + p + "'");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** The value of {@code -Dbnlab.threadTuning}: unset, blank or "true" is on, "false" off, anything else an error. */
    static boolean parseTuning(String p) {
        if (p == null || p.isBlank() || p.trim().equals("true")) {
            return true;
        }
        if (p.trim().equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("system property bnlab.threadTuning must be true or false, got '" + p + "'");
    }

    /** Current number of threads (the caller counts as one). */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads used by every kernel (1 = serial). */
    public static void setThreads(int t) {
        if (t < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + t);
        }
        LOCK.lock();
        try {
            threads = t;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Whether a training loop may run its steps on 1 thread instead of {@link #threads()} while timing
     * both finds 1 thread faster (default true; {@code -Dbnlab.threadTuning=false} or
     * {@link #setThreadTuning} turn it off). The thread count is then the most threads a step uses.
     */
    public static boolean threadTuning() {
        Boolean on = threadTuning;
        if (on == null) {
            on = parseTuning(System.getProperty("bnlab.threadTuning"));
            threadTuning = on;
        }
        return on;
    }

    /** Turns the training loop's thread tuning on or off for trainers built afterwards (see {@link #threadTuning}). */
    public static void setThreadTuning(boolean on) {
        threadTuning = on;
    }

    /**
     * Caps the threads that calls made from the current thread use, at {@code max} (0: no cap, use
     * {@link #threads()}); returns the previous cap. Results do not depend on it, only speed. A cap of 1
     * with more threads configured still runs each call through the pool, as a job that no worker
     * claims: one chunk, or the uncapped call's chunks ({@link #keepChunksWhenCapped}).
     */
    public static int limitCallerThreads(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("thread cap must be >= 0 (0 = none), got " + max);
        }
        int[] cap = CALLER_LIMIT.get();
        int previous = cap[0];
        cap[0] = max;
        return previous;
    }

    /**
     * Whether calls from the current thread, when capped at 1 thread, keep the chunks an uncapped call
     * would have (run one after another by the caller) instead of running as one chunk; returns the
     * previous setting. The one chunk is faster (a GEMM packs its B once, not once per chunk: 0.80 vs
     * 0.84 ms for the paper MLP's step at batch 256), but a kernel that never sees its chunked ranges
     * gets compiled without them: C2 leaves the branches it never saw as traps, and the first uncapped
     * call then falls back to the interpreter, where Vector API code runs about 100x slower (measured:
     * 2-thread steps of 3-20 ms for seconds after a stretch of 1-thread steps). The thread tuning keeps
     * the chunks on some of its 1-thread steps so that the chunked ranges stay compiled.
     */
    public static boolean keepChunksWhenCapped(boolean keep) {
        int[] cap = CALLER_LIMIT.get();
        boolean previous = cap[1] != 0;
        cap[1] = keep ? 1 : 0;
        return previous;
    }

    /**
     * Runs {@code task} over [0, n) on at most {@code threads()} threads, in chunks of whole multiples
     * of {@code grain} indices (the last chunk takes the remainder): work of fewer than 2 * grain
     * indices runs on the caller's thread alone, and a vector kernel whose grain is a multiple of the
     * vector length is split only between whole vectors, so its scalar tail is always the same
     * elements. Returns when every chunk is done; rethrows the first failure.
     */
    public static void forRange(int n, int grain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int t = threads;
        int[] limit = CALLER_LIMIT.get();
        int cap = limit[0];
        // a cap of 1 runs the call as a job that only the caller claims, so the pool's code stays hot
        // (JIT) while the trainer runs steps on 1 thread
        boolean callerOnly = cap == 1 && t > 1;
        if (cap > 1 && cap < t) {
            t = cap;
        }
        int parts = Math.min(t, Math.max(1, n / Math.max(1, grain)));
        // nested calls (from a worker, or from the caller's own chunk: the lock is reentrant) run serially
        if (parts <= 1 || Thread.currentThread() instanceof Worker || LOCK.isHeldByCurrentThread() || !LOCK.tryLock()) {
            task.run(0, n);
            return;
        }
        try {
            ensureWorkers(parts - 1);
            // capped at 1: one chunk (no per-chunk cost such as a GEMM's packing), or the uncapped chunks
            int chunks = callerOnly && limit[1] == 0 ? 1 : chunks(n, grain, parts);
            // close the new generation before writing its fields: a thread that read the previous
            // job's state cannot claim (its compare-and-set fails) and none can claim from this one yet
            long gen = (STATE.get(CELL) >>> 32) + 1;
            STATE.set(CELL, gen << 32 | CLOSED);
            job = task;
            jobN = n;
            jobGrain = Math.max(1, grain);
            jobChunks = chunks;
            jobCallerOnly = callerOnly;
            failure = null;
            caller = Thread.currentThread();
            DONE.set(2 * CELL, 0);
            STATE.set(CELL, gen << 32); // open: chunk 0 is next
            Worker[] ws = workers;
            for (int i = 0; i < (callerOnly ? 0 : parts - 1); i++) {
                ws[i].wake();
            }
            runChunks();
            awaitChunks(chunks);
            // closed again: idle threads poll STATE alone and never touch the job's fields
            STATE.set(CELL, gen << 32 | CLOSED);
            job = null;
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException) {
                    throw (RuntimeException) f;
                }
                if (f instanceof Error) {
                    throw (Error) f;
                }
                throw new IllegalStateException(f);
            }
        } finally {
            LOCK.unlock();
        }
    }

    /** Next-chunk value of a generation whose job is being written: no chunk can be claimed. */
    private static final long CLOSED = Integer.MAX_VALUE;

    /** Chunks of a job: {@value #CHUNKS_PER_THREAD} per thread, each of at least one grain. */
    static int chunks(int n, int grain, int parts) {
        return (int) Math.max(parts, Math.min((long) parts * CHUNKS_PER_THREAD, n / Math.max(1, grain)));
    }

    /**
     * Start of chunk {@code p} when [0, n) is cut into {@code chunks} contiguous chunks of near-equal
     * size: p * n / chunks rounded down to a multiple of {@code grain}; chunk {@code chunks} starts at n.
     * So no chunk is more than a grain above n / chunks. (Cutting the n / grain whole grains instead
     * left the last chunk the remainder on top of its share: 32 BN samples in grains of 3 gave chunks
     * of 3, 3, 3, 6, 3, 3, 3 and 8, and the thread that drew the 8 finished a quarter after the other.)
     */
    static int chunkStart(int n, int grain, int chunks, int p) {
        if (p == chunks) {
            return n;
        }
        long start = (long) n * p / chunks;
        return (int) (start / grain * grain);
    }

    /**
     * Claims and runs chunks of the current job until none is left; returns whether it ran any. The
     * job's fields are read between reading STATE and the compare-and-set that claims a chunk: the
     * set succeeds only if STATE did not move, and the caller writes a new job's fields only between
     * closing its generation and opening it (two moves of STATE), so the fields read belong to the
     * job of the chunk claimed.
     */
    private static boolean runChunks() {
        boolean ran = false;
        while (true) {
            long s = STATE.get(CELL);
            if ((int) s == CLOSED) {
                return ran;
            }
            RangeTask t = job;
            int n = jobN;
            int grain = jobGrain;
            int chunks = jobChunks;
            int c = (int) s;
            if (t == null || c >= chunks || (jobCallerOnly && Thread.currentThread() instanceof Worker)) {
                return ran;
            }
            if (!STATE.compareAndSet(CELL, s, s + 1)) {
                continue;
            }
            ran = true;
            try {
                t.run(chunkStart(n, grain, chunks, c), chunkStart(n, grain, chunks, c + 1));
            } catch (Throwable e) {
                if (failure == null) {
                    failure = e;
                }
            } finally {
                if (DONE.incrementAndGet(2 * CELL) == chunks) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /** Waits until every chunk is done: spins briefly, then parks until the last chunk's thread unparks it. */
    private static void awaitChunks(int chunks) {
        long spinEnd = System.nanoTime() + SPIN_NANOS;
        while (DONE.get(2 * CELL) != chunks) {
            if (System.nanoTime() < spinEnd) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(Parallel.class);
            }
        }
    }

    private static void ensureWorkers(int count) {
        Worker[] ws = workers;
        if (ws.length >= count) {
            return;
        }
        Worker[] grown = java.util.Arrays.copyOf(ws, count);
        for (int i = ws.length; i < count; i++) {
            grown[i] = new Worker(i + 1);
            grown[i].start();
        }
        workers = grown;
    }

    private static final class Worker extends Thread {
        private volatile boolean parked;

        Worker(int id) {
            super("bnlab-worker-" + id);
            setDaemon(true);
        }

        /** Unparks this worker if it is parked (a spinning worker sees the new job by itself). */
        void wake() {
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long spinEnd = System.nanoTime() + SPIN_NANOS;
            while (true) {
                if (runChunks()) {
                    spinEnd = System.nanoTime() + SPIN_NANOS;
                } else if (System.nanoTime() < spinEnd) {
                    Thread.onSpinWait();
                } else {
                    // publish "parked", then look once more: the caller publishes the job, then reads
                    // "parked" (both volatile), so either it unparks us or we see its job here
                    parked = true;
                    if (!claimable()) {
                        LockSupport.park(Parallel.class);
                    }
                    parked = false;
                    spinEnd = System.nanoTime() + SPIN_NANOS;
                }
            }
        }

        private static boolean claimable() {
            long s = STATE.get(CELL);
            return (int) s != CLOSED && job != null && (int) s < jobChunks && !jobCallerOnly;
        }
    }
}
