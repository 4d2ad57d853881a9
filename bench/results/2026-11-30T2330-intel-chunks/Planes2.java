import jdk.incubator.vector.*;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
public class Planes2 {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512; static final int L = 16;
  // BatchNormVector.affine's s > 1 path for planes [p0, p1) of s floats, channel = plane % C
  static void cur(float[] x, float[] y, int p0, int p1, int C, int s, float[] a, float[] b) {
    for (int p = p0; p < p1; p++) {
      int c = p % C;
      FloatVector av = FloatVector.broadcast(F, a[c]), bv = FloatVector.broadcast(F, b[c]);
      int base = p * s, j = 0;
      for (; j + 2 * L <= s; j += 2 * L) {
        FloatVector r10 = FloatVector.fromArray(F, x, base + j).fma(av, bv);
        FloatVector r11 = FloatVector.fromArray(F, x, base + j + L).fma(av, bv);
        r10.blend(0f, r10.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
        r11.blend(0f, r11.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j + L);
      }
      for (; j + L <= s; j += L) {
        FloatVector r8 = FloatVector.fromArray(F, x, base + j).fma(av, bv);
        r8.blend(0f, r8.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, base + j);
      }
      if (j < s) {
        int t = base + s - L;
        FloatVector r9 = FloatVector.fromArray(F, x, t).fma(av, bv);
        r9.blend(0f, r9.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, t);
      }
    }
  }
  static void stream(float[] x, float[] y, int p0, int p1, int C, int s, float[] a, float[] b) {
    FloatVector av = FloatVector.broadcast(F, 1.01f), bv = FloatVector.broadcast(F, 0.5f);
    int e = p1 * s;
    for (int i = p0 * s; i + L <= e; i += L) FloatVector.fromArray(F, x, i).fma(av, bv).intoArray(y, i);
  }
  static void curNF(float[] x, float[] y, int p0, int p1, int C, int s, float[] a, float[] b) {
    for (int p = p0; p < p1; p++) {
      int c = p % C;
      FloatVector av = FloatVector.broadcast(F, a[c]), bv = FloatVector.broadcast(F, b[c]);
      int base = p * s, j = 0;
      for (; j + L <= s; j += L) FloatVector.fromArray(F, x, base + j).fma(av, bv).intoArray(y, base + j);
      if (j < s) { int t = base + s - L; FloatVector.fromArray(F, x, t).fma(av, bv).intoArray(y, t); }
    }
  }
  static volatile int variant;
  public static void main(String[] args) throws Exception {
    int N = 32, C = 256, s = 196, planes = N * C, len = planes * s;
    int threads = Integer.parseInt(args[0]);
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[len], y = new float[len], a = new float[C], b = new float[C];
    for (int i = 0; i < len; i++) x[i] = (float) r.nextGaussian();
    for (int i = 0; i < C; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
    String[] names = {"cur", "curNF", "stream"};
    double[] best = new double[names.length]; java.util.Arrays.fill(best, 1e30);
    CyclicBarrier start = new CyclicBarrier(threads), end = new CyclicBarrier(threads);
    int reps = 20, rounds = 25;
    Thread[] ts = new Thread[threads];
    long[][] times = new long[rounds * names.length][1];
    for (int t = 0; t < threads; t++) {
      final int id = t;
      ts[t] = new Thread(() -> {
        int p0 = planes * id / threads, p1 = planes * (id + 1) / threads;
        try {
          for (int q = 0; q < rounds * names.length; q++) {
            int v = q % names.length;
            start.await();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
              switch (v) { case 0 -> cur(x, y, p0, p1, C, s, a, b); case 1 -> curNF(x, y, p0, p1, C, s, a, b); default -> stream(x, y, p0, p1, C, s, a, b); }
            }
            end.await();
            if (id == 0) times[q][0] = System.nanoTime() - t0;
          }
        } catch (Exception e) { throw new RuntimeException(e); }
      });
      ts[t].start();
    }
    for (Thread t : ts) t.join();
    for (int q = names.length * 5; q < rounds * names.length; q++) best[q % names.length] = Math.min(best[q % names.length], times[q][0] / (reps * 1e3));
    System.out.printf("threads %d:", threads);
    for (int v = 0; v < names.length; v++) System.out.printf(" %s %.0f us", names[v], best[v]);
    System.out.println();
  }
}
