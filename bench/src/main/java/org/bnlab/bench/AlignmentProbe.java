package org.bnlab.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How much a 512-bit load or store that crosses a cache line costs on this CPU, in one JVM.
 *
 * <p>A float[]'s data starts 16 bytes past the array's address, which is only 8-byte aligned, so where a
 * 64-byte vector at index 0 falls against the 64-byte cache lines differs from array to array and from
 * JVM to JVM (and moves when the collector moves the array). Java gives no supported way to learn an
 * array's address or to align it (heap buffers report alignment up to 8 bytes; Unsafe's memory access
 * warns from JDK 24 on). This probe starts the same loop at the 8 possible offsets (0, 2, ..., 14
 * floats) of one array, interleaved round by round so that the host's noise hits every offset alike,
 * and prints each offset's best time: on a CPU where split loads cost, one offset (the aligned one) is
 * faster, and which one it is changes from run to run.
 *
 * <p>Two loops: {@code stream}, y = a * x + b over x and y (BN's eval pass), and {@code panel}, two
 * vector loads and four FMAs per step (load-bound, unlike the GEMM's register tiles, which do 24 FMAs
 * per two loads). Usage: {@code java --add-modules jdk.incubator.vector -cp target/benchmarks.jar
 * org.bnlab.bench.AlignmentProbe [floats per array ...]} (default 16384, 262144, 4194304: L1, L2, memory).
 */
public final class AlignmentProbe {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int[] OFFSETS = {0, 2, 4, 6, 8, 10, 12, 14};

    private AlignmentProbe() {}

    static void stream(float[] x, float[] y, int off, int n) {
        FloatVector a = FloatVector.broadcast(S, 1.01f);
        FloatVector b = FloatVector.broadcast(S, 0.5f);
        for (int i = 0; i + S.length() <= n; i += S.length()) {
            FloatVector.fromArray(S, x, off + i).fma(a, b).intoArray(y, off + i);
        }
    }

    static float panel(float[] p, int off, float[] a, int k) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        for (int q = 0; q < k; q++) {
            FloatVector b0 = FloatVector.fromArray(S, p, off + 32 * q);
            FloatVector b1 = FloatVector.fromArray(S, p, off + 32 * q + 16);
            FloatVector a0 = FloatVector.broadcast(S, a[q]);
            FloatVector a1 = FloatVector.broadcast(S, a[q + 1]);
            c0 = b0.fma(a0, c0);
            c1 = b1.fma(a0, c1);
            c2 = b0.fma(a1, c2);
            c3 = b1.fma(a1, c3);
        }
        return c0.add(c1).add(c2).add(c3).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {16384, 262144, 4194304} : new int[args.length];
        for (int i = 0; i < args.length; i++) {
            sizes[i] = Integer.parseInt(args[i]);
        }
        float sink = 0;
        for (int n : sizes) {
            float[] x = new float[n + 64];
            float[] y = new float[n + 64];
            for (int i = 0; i < x.length; i++) {
                x[i] = i % 7;
            }
            int k = n / 32 - 1;
            float[] a = new float[k + 2];
            double[] stream = new double[OFFSETS.length];
            double[] panel = new double[OFFSETS.length];
            java.util.Arrays.fill(stream, Double.MAX_VALUE);
            java.util.Arrays.fill(panel, Double.MAX_VALUE);
            int reps = Math.max(1, (1 << 22) / n);
            for (int round = 0; round < 60; round++) {
                for (int j = 0; j < OFFSETS.length; j++) {
                    long t0 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        stream(x, y, OFFSETS[j], n);
                    }
                    long t1 = System.nanoTime();
                    for (int r = 0; r < reps; r++) {
                        sink += panel(x, OFFSETS[j], a, k);
                    }
                    long t2 = System.nanoTime();
                    if (round >= 10) { // the first rounds are JIT warm-up
                        stream[j] = Math.min(stream[j], (t1 - t0) / 1e3 / reps);
                        panel[j] = Math.min(panel[j], (t2 - t1) / 1e3 / reps);
                    }
                }
            }
            System.out.println(line("stream", n, stream));
            System.out.println(line("panel ", n, panel));
        }
        if (sink == 42) {
            System.out.println(); // keeps the panel sums alive
        }
    }

    private static String line(String name, int n, double[] us) {
        double best = Double.MAX_VALUE;
        double worst = 0;
        StringBuilder sb = new StringBuilder(String.format("%s %9d floats:", name, n));
        for (int j = 0; j < OFFSETS.length; j++) {
            sb.append(String.format(" +%d %.2f", OFFSETS[j], us[j]));
            best = Math.min(best, us[j]);
            worst = Math.max(worst, us[j]);
        }
        return sb.append(String.format(" us; slowest/fastest %.2f", worst / best)).toString();
    }
}
