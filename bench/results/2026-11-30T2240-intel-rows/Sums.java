import jdk.incubator.vector.*;
import java.util.SplittableRandom;
public class Sums {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512; static final int L = 16;
  static void four(float[] x, int xo, int n, int w, float[] shift, float[] t) {
    for (int i = 0; i + 4 <= n; i += 4) {
      int r0 = xo + i * w, r1 = r0 + w, r2 = r1 + w, r3 = r2 + w;
      for (int v = 0; v + L <= w; v += L) {
        FloatVector k = FloatVector.fromArray(F, shift, v);
        FloatVector e0 = FloatVector.fromArray(F, x, r0 + v).sub(k);
        FloatVector e1 = FloatVector.fromArray(F, x, r1 + v).sub(k);
        FloatVector e2 = FloatVector.fromArray(F, x, r2 + v).sub(k);
        FloatVector e3 = FloatVector.fromArray(F, x, r3 + v).sub(k);
        FloatVector.fromArray(F, t, v).add(e0.add(e1).add(e2.add(e3))).intoArray(t, v);
        e0.fma(e0, e1.fma(e1, e2.fma(e2, e3.fma(e3, FloatVector.fromArray(F, t, w + v))))).intoArray(t, w + v);
      }
    }
  }
  static void two(float[] x, int xo, int n, int w, float[] shift, float[] t) {
    for (int i = 0; i + 2 <= n; i += 2) {
      int r0 = xo + i * w, r1 = r0 + w;
      for (int v = 0; v + L <= w; v += L) {
        FloatVector k = FloatVector.fromArray(F, shift, v);
        FloatVector e0 = FloatVector.fromArray(F, x, r0 + v).sub(k);
        FloatVector e1 = FloatVector.fromArray(F, x, r1 + v).sub(k);
        FloatVector.fromArray(F, t, v).add(e0.add(e1)).intoArray(t, v);
        e0.fma(e0, e1.fma(e1, FloatVector.fromArray(F, t, w + v))).intoArray(t, w + v);
      }
    }
  }
  static void one(float[] x, int xo, int n, int w, float[] shift, float[] t) {
    for (int i = 0; i < n; i++) {
      int row = xo + i * w;
      for (int v = 0; v + L <= w; v += L) {
        FloatVector e = FloatVector.fromArray(F, x, row + v).sub(FloatVector.fromArray(F, shift, v));
        FloatVector.fromArray(F, t, v).add(e).intoArray(t, v);
        e.fma(e, FloatVector.fromArray(F, t, w + v)).intoArray(t, w + v);
      }
    }
  }
  static float sumStream(float[] x, int xo, int n) {
    FloatVector a = FloatVector.zero(F), b = FloatVector.zero(F);
    for (int i = 0; i + 16 <= n; i += 16) { FloatVector e = FloatVector.fromArray(F, x, xo + i); a = a.add(e); b = e.fma(e, b); }
    return a.add(b).reduceLanes(VectorOperators.ADD);
  }
  static float sink;
  public static void main(String[] args) {
    int C = 1024, n = 1024, len = n * C;
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[len + 64], sh = new float[C + 64], t = new float[2 * C + 64];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2 + 1);
    int[] offs = {0, 2, 6, 10, 14};
    String[] names = {"four", "two", "one", "stream"};
    double[][] best = new double[offs.length][names.length];
    for (double[] d : best) java.util.Arrays.fill(d, 1e30);
    for (int round = 0; round < 20; round++) for (int q = 0; q < offs.length; q++) for (int v = 0; v < names.length; v++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) switch (v) {
        case 0 -> four(x, offs[q], n, C, sh, t);
        case 1 -> two(x, offs[q], n, C, sh, t);
        case 2 -> one(x, offs[q], n, C, sh, t);
        default -> sink += sumStream(x, offs[q], len);
      }
      long t1 = System.nanoTime();
      if (round >= 5) best[q][v] = Math.min(best[q][v], (t1 - t0) / 20e3);
    }
    for (int q = 0; q < offs.length; q++) {
      System.out.printf("x+%2d:", offs[q]);
      for (int v = 0; v < names.length; v++) System.out.printf(" %s %.0f", names[v], best[q][v]);
      System.out.println();
    }
  }
}
