import jdk.incubator.vector.*;
import java.util.SplittableRandom;
public class Two5 {
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
  static void twoNF(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    for (int i = 0; i + 2 <= n; i += 2) {
      int row = i * C, row2 = row + C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector av = FloatVector.fromArray(F, a, ao + c), bv = FloatVector.fromArray(F, b, bo + c);
        FloatVector.fromArray(F, x, xo + row + c).fma(av, bv).intoArray(y, yo + row + c);
        FloatVector.fromArray(F, x, xo + row2 + c).fma(av, bv).intoArray(y, yo + row2 + c);
      }
    }
  }
  static void twoB(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    FloatVector av = FloatVector.broadcast(F, 1.01f), bv = FloatVector.broadcast(F, 0.5f);
    for (int i = 0; i + 2 <= n; i += 2) {
      int row = i * C, row2 = row + C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector r12 = FloatVector.fromArray(F, x, xo + row + c).fma(av, bv);
        FloatVector r13 = FloatVector.fromArray(F, x, xo + row2 + c).fma(av, bv);
        r12.blend(0f, r12.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row + c);
        r13.blend(0f, r13.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row2 + c);
      }
    }
  }
  // two rows, the second lagging half a row behind in its columns' order? no: rows i and i+1, row2's loop offset by 8 vectors
  static void one(float[] x, int xo, float[] y, int yo, int n, int C, float[] a, int ao, float[] b, int bo) {
    for (int i = 0; i < n; i++) {
      int row = i * C;
      for (int c = 0; c + L <= C; c += L) {
        FloatVector r = FloatVector.fromArray(F, x, xo + row + c).fma(FloatVector.fromArray(F, a, ao + c), FloatVector.fromArray(F, b, bo + c));
        r.blend(0f, r.abs().compare(VectorOperators.LT, Float.MIN_NORMAL)).intoArray(y, yo + row + c);
      }
    }
  }
  public static void main(String[] args) {
    int C = Integer.parseInt(args.length > 0 ? args[0] : "1024"), n = (1 << 20) / C, len = n * C;
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[len + 64], y = new float[len + 64], a = new float[C + 64], b = new float[C + 64];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2 + 1);
    for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian(); }
    int[][] cases = {{0,0,0},{0,0,14},{4,6,0},{10,12,14},{10,12,0},{0,0,6}};
    String[] names = {"two", "twoNF", "twoB", "one"};
    double[][] best = new double[cases.length][names.length];
    for (double[] d : best) java.util.Arrays.fill(d, 1e30);
    for (int round = 0; round < 16; round++) for (int q = 0; q < cases.length; q++) for (int v = 0; v < names.length; v++) {
      int xo = cases[q][0], yo = cases[q][1], ao = cases[q][2];
      long t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) switch (v) {
        case 0 -> two(x, xo, y, yo, n, C, a, ao, b, ao);
        case 1 -> twoNF(x, xo, y, yo, n, C, a, ao, b, ao);
        case 2 -> twoB(x, xo, y, yo, n, C, a, ao, b, ao);
        default -> one(x, xo, y, yo, n, C, a, ao, b, ao);
      }
      long t1 = System.nanoTime();
      if (round >= 4) best[q][v] = Math.min(best[q][v], (t1 - t0) / 20e3);
    }
    for (int q = 0; q < cases.length; q++) {
      System.out.printf("C=%d x+%2d y+%2d a,b+%2d:", C, cases[q][0], cases[q][1], cases[q][2]);
      for (int v = 0; v < names.length; v++) System.out.printf(" %s %.0f", names[v], best[q][v]);
      System.out.println();
    }
  }
}
