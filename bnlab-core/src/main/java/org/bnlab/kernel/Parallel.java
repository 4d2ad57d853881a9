package org.bnlab.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads that splits an index range [0, n) into contiguous parts.
 *
 * <p>Why not ForkJoin: every {@code forRange} call here allocates nothing (the training step must not
 * allocate), and the partition is a pure function of (n, threads), so a kernel that computes each
 * output index the same way whatever thread runs it gives bit-identical results for any thread count.
 * Kernels never reduce across parts; when they need a sum over the batch they split over the output
 * index (channels, rows) instead.
 *
 * <p>Thread count: system property {@code bnlab.threads}, else the number of available processors;
 * {@link #setThreads(int)} changes it at run time. Calls from inside a worker, or while another thread
 * holds the pool, run serially on the caller's thread: correct, never deadlocked.
 */
public final class Parallel {

    /** Work over a sub-range [from, to) of the index space. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static volatile Worker[] workers = new Worker[0];
    private static volatile int threads = defaultThreads();

    // The job being run; written by the caller before the generation bump, read by workers after it.
    private static RangeTask job;
    private static int jobN;
    private static int jobParts;
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
     * Runs {@code task} over [0, n) split into at most {@code threads()} contiguous parts, each at
     * least {@code grain} indices long. Returns when every part is done; rethrows the first failure.
     */
    public static void forRange(int n, int grain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int parts = Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        if (parts <= 1 || Thread.currentThread() instanceof Worker || !LOCK.tryLock()) {
            task.run(0, n);
            return;
        }
        try {
            ensureWorkers(parts - 1);
            job = task;
            jobN = n;
            jobParts = parts;
            failure = null;
            PENDING.set(parts - 1);
            Worker[] ws = workers;
            for (int i = 0; i < parts - 1; i++) {
                ws[i].assign(i + 1);
            }
            try {
                task.run(0, partEnd(n, parts, 0));
            } finally {
                awaitWorkers();
                job = null;
            }
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

    /** Start of part {@code p} when [0, n) is split into {@code parts} near-equal contiguous parts. */
    static int partStart(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    static int partEnd(int n, int parts, int p) {
        return partStart(n, parts, p + 1);
    }

    private static void awaitWorkers() {
        int spins = 0;
        while (PENDING.get() != 0) {
            if (++spins < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(10_000);
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
        private volatile int part = -1;
        private volatile boolean parked;

        Worker(int id) {
            super("bnlab-worker-" + id);
            setDaemon(true);
        }

        void assign(int p) {
            part = p;
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            int spins = 0;
            while (true) {
                int p = part;
                if (p < 0) {
                    if (++spins < 50_000) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (part < 0) {
                            LockSupport.parkNanos(1_000_000);
                        }
                        parked = false;
                    }
                    continue;
                }
                spins = 0;
                try {
                    RangeTask t = job;
                    int n = jobN;
                    int parts = jobParts;
                    t.run(partStart(n, parts, p), partEnd(n, parts, p));
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    part = -1;
                    PENDING.decrementAndGet();
                }
            }
        }
    }
}
