package org.bnlab.train;

import java.util.concurrent.atomic.AtomicLongArray;
import org.bnlab.data.Dataset;
import org.bnlab.data.Datasets;

/**
 * By-hand probe of the 2-thread step's two modes: the paper MLP's training step in phases of 2 s after a
 * 3 s warm-up, printing per phase the mean step (ms) and, right after it, the round trip of a cache line
 * between two fresh threads (ns; 45-125 ns when the host runs the two vCPUs close, 340-2,000 when far
 * apart), and at the end how many steps the thread tuning ran on 1 thread. Not a test (no assertions):
 * {@code java --add-modules jdk.incubator.vector [-Dbnlab.threads=1|2] [-Dbnlab.threadTuning=false] -cp <test+main
 * classes and Jackson> org.bnlab.train.ThreadModesProbe [batch]}. Without {@code -Dbnlab.threadTuning=false} the
 * trainer tunes (on more than 1 thread).
 */
public final class ThreadModesProbe {
    private ThreadModesProbe() {}

    public static void main(String[] a) throws Exception {
        Dataset data = Datasets.load("mnist-sample");
        int batch = a.length > 0 ? Integer.parseInt(a[0]) : 256;
        TrainConfig cfg = new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(true, 1.0), "sgd", 0.1, 0, false, 0,
                "none", 1, 1, batch, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
        Trainer t = cfg.trainer(data);
        long end = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < end) {
            t.trainStep();
        }
        long[] before = t.stepsByThreads();
        StringBuilder sb = new StringBuilder();
        for (int phase = 0; phase < 4; phase++) {
            long t0 = System.nanoTime();
            int n = 0;
            end = t0 + 2_000_000_000L;
            while (System.nanoTime() < end) {
                t.trainStep();
                n++;
            }
            sb.append(String.format("%.3f ms / %.0f ns  ", (System.nanoTime() - t0) / 1e6 / n, roundTripNanos(30)));
        }
        long[] after = t.stepsByThreads();
        System.out.println(sb + (after == null ? "(no tuning)"
                : "steps on 1 thread " + (after[1] - before[1]) + " of " + (after[0] + after[1] - before[0] - before[1])));
    }

    /** Mean round trip (ns) of a counter's cache line between this thread and a fresh one, over ms milliseconds. */
    static double roundTripNanos(int ms) throws InterruptedException {
        AtomicLongArray cell = new AtomicLongArray(32); // index 16: the counter, on a line of its own
        Thread other = new Thread(() -> {
            while (true) {
                long x = cell.get(16);
                if (x < 0) {
                    return;
                }
                if ((x & 1) == 1) {
                    cell.set(16, x + 1);
                } else {
                    Thread.onSpinWait();
                }
            }
        });
        other.start();
        long t0 = System.nanoTime();
        long deadline = t0 + ms * 1_000_000L;
        long trips = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 1000; i++) {
                long x = cell.get(16);
                cell.set(16, x + 1); // odd: the other thread answers with x + 2
                while (cell.get(16) == x + 1) {
                    Thread.onSpinWait();
                }
            }
            trips += 1000;
        }
        double ns = (System.nanoTime() - t0) / (double) trips;
        cell.set(16, -1);
        other.join();
        return ns;
    }
}
