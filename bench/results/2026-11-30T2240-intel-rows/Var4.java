import jdk.incubator.vector.*;
import java.util.SplittableRandom;
public class Var4 {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_512; static final int L = 16;
  static void two(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    for (int i = 0; i + 2 <= n; i += 2) {
      int row = i * C, row2 = row + C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector av = FloatVector.fromArray(F, a, ao + c), bv = FloatVector.fromArray(F, b, bo + c);
        FloatVector r12 = FloatVector.fromArray(F, x, xo + row + c).fma(av, bv);
        FloatVector r13 = FloatVector.fromArray(F, x, xo + row2 + c).fma(av, bv);
        r12.blend(0f, r12.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row + c);
        r13.blend(0f, r13.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row2 + c);
      }
    }
  }
  static void one(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    for (int i = 0; i < n; i++) {
      int row = i * C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector r = FloatVector.fromArray(F, x, xo + row + c).fma(FloatVector.fromArray(F, a, ao + c), FloatVector.fromArray(F, b, bo + c));
        r.blend(0f, r.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row + c);
      }
    }
  }
  static void oneU(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    for (int i = 0; i < n; i++) {
      int row = i * C;
      for (int c = 0; c + 2 * L <= C; c += 2 * L) {
        FloatVector r = FloatVector.fromArray(F, x, xo + row + c).fma(FloatVector.fromArray(F, a, ao + c), FloatVector.fromArray(F, b, bo + c));
        FloatVector s = FloatVector.fromArray(F, x, xo + row + c + L).fma(FloatVector.fromArray(F, a, ao + c + L), FloatVector.fromArray(F, b, bo + c + L));
        r.blend(0f, r.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row + c);
        s.blend(0f, s.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row + c + L);
      }
    }
  }
  static void oneNF(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    for (int i = 0; i < n; i++) {
      int row = i * C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector.fromArray(F, x, xo + row + c).fma(FloatVector.fromArray(F, a, ao + c), FloatVector.fromArray(F, b, bo + c)).intoArray(y, yo + row + c);
      }
    }
  }
  static void axpb(float[] x, int xo, float[] y, int yo, int n) {
    FloatVector va = FloatVector.broadcast(F, 1.01f), vb = FloatVector.broadcast(F, 0.5f);
    for (int i = 0; i + 16 <= n; i += 16) FloatVector.fromArray(F, x, xo + i).fma(va, vb).intoArray(y, yo + i);
  }
  public static void main(String[] args) {
    int C = 1024, n = 1024, len = n * C;
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[len + 64], y = new float[len + 64], a = new float[C + 64], b = new float[C + 64];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2 + 1);
    for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
    int[][] cases = {{0,0,0},{2,2,0},{0,0,2},{4,6,0},{8,8,8},{10,12,14},{14,14,14}};
    String[] names = {"two", "one", "oneU", "oneNF", "stream"};
    double[][] best = new double[cases.length][names.length];
    for (double[] d : best) java.util.Arrays.fill(d, 1e30);
    for (int round = 0; round < 20; round++) {
      for (int q = 0; q < cases.length; q++) {
        int xo = cases[q][0], yo = cases[q][1], ao = cases[q][2];
        for (int v = 0; v < names.length; v++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < 20; i++) switch (v) {
            case 0 -> two(x, xo, y, yo, n, C, a, ao, b, ao);
            case 1 -> one(x, xo, y, yo, n, C, a, ao, b, ao);
            case 2 -> oneU(x, xo, y, yo, n, C, a, ao, b, ao);
            case 3 -> oneNF(x, xo, y, yo, n, C, a, ao, b, ao);
            default -> axpb(x, xo, y, yo, len);
          }
          long t1 = System.nanoTime();
          if (round >= 5) best[q][v] = Math.min(best[q][v], (t1 - t0) / 20e3);
        }
      }
    }
    for (int q = 0; q < cases.length; q++) {
      System.out.printf("x+%2d y+%2d a,b+%2d:", cases[q][0], cases[q][1], cases[q][2]);
      for (int v = 0; v < names.length; v++) System.out.printf(" %s %.0f", names[v], best[q][v]);
      System.out.println();
    }
  }
}
