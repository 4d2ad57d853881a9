package org.bnlab.kernel;

/**
 * The scalar GEMM: the specification {@link GemmSimd} must match bit for bit. Slow on purpose only in
 * the sense that it is the literal formula; see {@link Gemm} for the element order.
 */
final class GemmScalar {

    /** Rows per parallel work unit. */
    static final int ROW_BLOCK = 4;

    private GemmScalar() {}

    /**
     * C rows [i0, i1): A(i,p) = a[aOff + i*ars + p*acs], B(p,j) = b[bOff + p*brs + j*bcs],
     * C(i,j) = c[cOff + i*ldc + j].
     */
    static void rows(float[] c, int cOff, int ldc, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, int bcs,
                     int n, int k, int i0, int i1, boolean accumulate) {
        for (int i = i0; i < i1; i++) {
            int ci = cOff + i * ldc;
            int ai = aOff + i * ars;
            for (int j = 0; j < n; j++) {
                int bj = bOff + j * bcs;
                // s = (C(i,j) or 0) + sum_p A(i,p) * B(p,j), one fused multiply-add per term, p ascending
                float s = accumulate ? c[ci + j] : 0f;
                for (int p = 0; p < k; p++) {
                    s = Math.fma(a[ai + p * acs], b[bj + p * brs], s);
                }
                c[ci + j] = s;
            }
        }
    }
}
