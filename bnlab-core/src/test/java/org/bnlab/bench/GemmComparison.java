package org.bnlab.bench;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.util.SplittableRandom;
import org.bnlab.kernel.Gemm;
import org.bnlab.kernel.Parallel;
import org.bnlab.kernel.Simd;

/**
 * Throwaway comparison behind docs/GEMM.md: bnlab's {@link Gemm} against dev.ludovic.netlib's sgemm
 * (its JNI backend, i.e. the system BLAS, and its pure-Java Vector API backend), one thread, on the
 * paper MLP's shapes (batch 60) and 256^3. Not a unit test; run it with
 * <pre>
 *   mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector -Dbnlab.threads=1 \
 *       -cp target/classes:target/test-classes:$(cat target/cp.txt) org.bnlab.bench.GemmComparison
 * </pre>
 * netlib is column-major, so a row-major C = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ.
 */
public final class GemmComparison {

    enum Op { MM, MMT, MTM }

    private GemmComparison() {}

    public static void main(String[] args) {
        Parallel.setThreads(1);
        System.out.println("bnlab Gemm: " + Simd.describe());
        BLAS nat = null;
        try {
            nat = NativeBLAS.getInstance();
        } catch (Throwable t) {
            System.out.println("netlib native BLAS unavailable: " + t);
        }
        BLAS vec = JavaBLAS.getInstance();
        System.out.println("netlib java backend: " + vec.getClass().getName()
                + ", native: " + (nat == null ? "-" : nat.getClass().getName()));
        Object[][] cases = {
            {"MLP fc1 fwd  x·W1ᵀ", Op.MMT, 60, 100, 784},
            {"MLP fc1 dW   dyᵀ·x", Op.MTM, 100, 784, 60},
            {"MLP fc1 dx   dy·W1", Op.MM, 60, 784, 100},
            {"MLP fc2 fwd  x·W2ᵀ", Op.MMT, 60, 100, 100},
            {"MLP fc2 dW   dyᵀ·x", Op.MTM, 100, 100, 60},
            {"MLP fc2 dx   dy·W2", Op.MM, 60, 100, 100},
            {"MLP fc4 fwd  x·W4ᵀ", Op.MMT, 60, 10, 100},
            {"MLP fc4 dW   dyᵀ·x", Op.MTM, 10, 100, 60},
            {"MLP fc4 dx   dy·W4", Op.MM, 60, 100, 10},
            {"diag mm K=784", Op.MM, 60, 100, 784},
            {"square mm", Op.MM, 256, 256, 256},
            {"square mmT", Op.MMT, 256, 256, 256},
            {"square mTm", Op.MTM, 256, 256, 256},
        };
        System.out.printf("%-20s %4s %5s %5s %5s | %10s %10s %10s  (GFLOP/s)%n",
                "case", "op", "M", "N", "K", "bnlab", "netlib-jni", "netlib-vec");
        for (Object[] cs : cases) {
            Op op = (Op) cs[1];
            int m = (int) cs[2];
            int n = (int) cs[3];
            int k = (int) cs[4];
            SplittableRandom r = new SplittableRandom(1);
            float[] a = rand(r, m * k);
            float[] b = rand(r, k * n);
            float[] c = new float[m * n];
            double gB = measure(() -> bnlab(op, c, a, b, m, n, k), m, n, k);
            final BLAS nb = nat;
            double gN = nb == null ? Double.NaN : measure(() -> netlib(nb, op, c, a, b, m, n, k), m, n, k);
            double gV = measure(() -> netlib(vec, op, c, a, b, m, n, k), m, n, k);
            System.out.printf("%-20s %4s %5d %5d %5d | %10.1f %10.1f %10.1f%n", cs[0], op, m, n, k, gB, gN, gV);
        }
    }

    private static void bnlab(Op op, float[] c, float[] a, float[] b, int m, int n, int k) {
        switch (op) {
            case MM -> Gemm.mm(c, 0, a, 0, b, 0, m, n, k, false);
            case MMT -> Gemm.mmT(c, 0, a, 0, b, 0, m, n, k, false);
            default -> Gemm.mTm(c, 0, a, 0, b, 0, m, n, k, false);
        }
    }

    private static void netlib(BLAS blas, Op op, float[] c, float[] a, float[] b, int m, int n, int k) {
        switch (op) {
            // Cᵀ(N,M) = Bᵀ(N,K)·Aᵀ(K,M): B's storage is Bᵀ column-major with ld n, A's is Aᵀ with ld k
            case MM -> blas.sgemm("N", "N", n, m, k, 1f, b, n, a, k, 0f, c, n);
            // B stored (N,K) row-major = column-major (K,N): transpose it
            case MMT -> blas.sgemm("T", "N", n, m, k, 1f, b, k, a, k, 0f, c, n);
            // A stored (K,M) row-major = column-major (M,K): transpose it
            default -> blas.sgemm("N", "T", n, m, k, 1f, b, n, a, m, 0f, c, n);
        }
    }

    private static double measure(Runnable r, int m, int n, int k) {
        double flops = 2.0 * m * n * k;
        int reps = (int) Math.max(1, 2e7 / flops);
        for (int w = 0; w < 3; w++) {
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 400_000_000L) {
                for (int i = 0; i < reps; i++) {
                    r.run();
                }
            }
        }
        double best = 0;
        for (int trial = 0; trial < 5; trial++) {
            long t0 = System.nanoTime();
            long calls = 0;
            long t;
            do {
                for (int i = 0; i < reps; i++) {
                    r.run();
                }
                calls += reps;
                t = System.nanoTime() - t0;
            } while (t < 300_000_000L);
            best = Math.max(best, flops * calls / t);
        }
        return best;
    }

    private static float[] rand(SplittableRandom r, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }
}
