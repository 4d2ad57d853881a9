import jdk.incubator.vector.*;
import java.util.SplittableRandom;
public class Bwd {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512; static final int L = 16;
  static void four(float[] x, float[] dy, float[] dx, int o, int n, int C, float[] hi, float[] lo, float[] a, float[] md, float[] k) {
    for (int i = 0; i + 4 <= n; i += 4) {
      int r0 = o + i * C, r1 = r0 + C, r2 = r1 + C, r3 = r2 + C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector h = FloatVector.fromArray(F, hi, c), l = FloatVector.fromArray(F, lo, c), m = FloatVector.fromArray(F, md, c);
        FloatVector nk = FloatVector.fromArray(F, k, c).neg(), ac = FloatVector.fromArray(F, a, c);
        FloatVector d0 = FloatVector.fromArray(F, x, r0 + c).sub(h).sub(l).fma(nk, FloatVector.fromArray(F, dy, r0 + c).sub(m)).mul(ac);
        FloatVector d1 = FloatVector.fromArray(F, x, r1 + c).sub(h).sub(l).fma(nk, FloatVector.fromArray(F, dy, r1 + c).sub(m)).mul(ac);
        FloatVector d2 = FloatVector.fromArray(F, x, r2 + c).sub(h).sub(l).fma(nk, FloatVector.fromArray(F, dy, r2 + c).sub(m)).mul(ac);
        FloatVector d3 = FloatVector.fromArray(F, x, r3 + c).sub(h).sub(l).fma(nk, FloatVector.fromArray(F, dy, r3 + c).sub(m)).mul(ac);
        d0.blend(0f, d0.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r0 + c);
        d1.blend(0f, d1.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r1 + c);
        d2.blend(0f, d2.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r2 + c);
        d3.blend(0f, d3.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, r3 + c);
      }
    }
  }
  static void one(float[] x, float[] dy, float[] dx, int o, int n, int C, float[] hi, float[] lo, float[] a, float[] md, float[] k) {
    for (int i = 0; i < n; i++) {
      int row = o + i * C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector xm = FloatVector.fromArray(F, x, row + c).sub(FloatVector.fromArray(F, hi, c)).sub(FloatVector.fromArray(F, lo, c));
        FloatVector t = FloatVector.fromArray(F, dy, row + c).sub(FloatVector.fromArray(F, md, c));
        FloatVector r3 = xm.fma(FloatVector.fromArray(F, k, c).neg(), t).mul(FloatVector.fromArray(F, a, c));
        r3.blend(0f, r3.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(dx, row + c);
      }
    }
  }
  static void stream(float[] x, float[] dy, float[] dx, int o, int n) {
    FloatVector va = FloatVector.broadcast(F, 1.01f);
    for (int i = 0; i + 16 <= n; i += 16) FloatVector.fromArray(F, x, o + i).fma(va, FloatVector.fromArray(F, dy, o + i)).intoArray(dx, o + i);
  }
  public static void main(String[] args) {
    int C = 1024, n = 1024, len = n * C;
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[len + 64], dy = new float[len + 64], dx = new float[len + 64];
    float[][] co = new float[5][C];
    for (int i = 0; i < x.length; i++) { x[i] = (float) (r.nextGaussian() * 2 + 1); dy[i] = (float) r.nextGaussian(); }
    for (float[] q : co) for (int i = 0; i < C; i++) q[i] = (float) r.nextGaussian() * 0.1f;
    int[] offs = {0, 2, 6, 10, 14};
    String[] names = {"four", "one", "stream"};
    double[][] best = new double[offs.length][names.length];
    for (double[] d : best) java.util.Arrays.fill(d, 1e30);
    for (int round = 0; round < 20; round++) for (int q = 0; q < offs.length; q++) for (int v = 0; v < names.length; v++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) switch (v) {
        case 0 -> four(x, dy, dx, offs[q], n, C, co[0], co[1], co[2], co[3], co[4]);
        case 1 -> one(x, dy, dx, offs[q], n, C, co[0], co[1], co[2], co[3], co[4]);
        default -> stream(x, dy, dx, offs[q], len);
      }
      long t1 = System.nanoTime();
      if (round >= 5) best[q][v] = Math.min(best[q][v], (t1 - t0) / 20e3);
    }
    for (int q = 0; q < offs.length; q++) {
      System.out.printf("off+%2d:", offs[q]);
      for (int v = 0; v < names.length; v++) System.out.printf(" %s %.0f", names[v], best[q][v]);
      System.out.println();
    }
  }
}
