package org.bnlab.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A B packed once by Gemm.packT gives exactly mmT's values, for any M and with or without accumulation. */
class GemmPackedTest {

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * r.nextDouble() - 1);
        }
        return a;
    }

    @Test
    void packedProductEqualsMmTBitForBit() {
        SplittableRandom r = new SplittableRandom(3);
        int[][] sizes = {{1, 100, 784}, {7, 10, 100}, {60, 100, 100}, {13, 37, 300}, {6, 1, 5}, {256, 33, 17}};
        for (int[] s : sizes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = random(r, m * k);
            float[] b = random(r, 3 + n * k); // at an offset
            Gemm.PackedT packed = Gemm.packT(b, 3, n, k);
            for (boolean acc : new boolean[] {false, true}) {
                float[] c0 = random(r, m * n);
                float[] c1 = c0.clone();
                Gemm.mmT(c0, 0, a, 0, b, 3, m, n, k, acc);
                Gemm.mmT(c1, 0, n, a, 0, packed, m, acc);
                assertArrayEquals(c0, c1, "m=" + m + " n=" + n + " k=" + k + " accumulate=" + acc);
                // the first n columns of a wider C (row stride n + 5, at an offset): the same values,
                // and the columns past n untouched
                int ldc = n + 5;
                float[] wide = random(r, 2 + m * ldc);
                float[] before = wide.clone();
                float[] expect = new float[m * n];
                for (int i = 0; i < m; i++) {
                    System.arraycopy(wide, 2 + i * ldc, expect, i * n, n);
                }
                Gemm.mmT(expect, 0, a, 0, b, 3, m, n, k, acc);
                Gemm.mmT(wide, 2, ldc, a, 0, packed, m, acc);
                for (int i = 0; i < m; i++) {
                    String where = "ldc=" + ldc + " m=" + m + " n=" + n + " k=" + k + " accumulate=" + acc + " row " + i;
                    assertArrayEquals(Arrays.copyOfRange(expect, i * n, (i + 1) * n),
                            Arrays.copyOfRange(wide, 2 + i * ldc, 2 + i * ldc + n), where);
                    assertArrayEquals(Arrays.copyOfRange(before, 2 + i * ldc + n, 2 + (i + 1) * ldc),
                            Arrays.copyOfRange(wide, 2 + i * ldc + n, 2 + (i + 1) * ldc), where + ": past column n");
                }
            }
        }
    }

    @Test
    void badSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Gemm.packT(new float[10], 0, 3, 4));
        Gemm.PackedT p = Gemm.packT(new float[12], 0, 3, 4);
        assertThrows(IllegalArgumentException.class, () -> Gemm.mmT(new float[6], 0, 3, new float[7], 0, p, 2, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.mmT(new float[6], 0, 2, new float[8], 0, p, 2, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.mmT(new float[7], 0, 5, new float[8], 0, p, 2, false));
    }
}
