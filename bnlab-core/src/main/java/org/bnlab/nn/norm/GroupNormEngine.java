package org.bnlab.nn.norm;

import org.bnlab.kernel.KernelProvider;
import org.bnlab.kernel.GroupNormKernel;
import org.bnlab.kernel.Parallel;

/**
 * The one mechanism under LayerNorm, GroupNorm and InstanceNorm: the input is {@code groups}
 * contiguous groups of {@code m} values, each normalized with its own statistics, then an affine map
 * (formulas in {@link GroupNormKernel}). Two affine layouts:
 * <ul>
 *   <li>per row: a group is {@code rowsPerGroup} rows of {@code s} values, row r belongs to channel
 *       {@code r % channels} and uses weight[c], bias[c] (GroupNorm, InstanceNorm; LayerNorm without
 *       affine, as one row per group);</li>
 *   <li>per element: weight[j], bias[j] for the j-th value of every group (LayerNorm).</li>
 * </ul>
 * It owns the workspaces (grown to the largest input seen, then reused: allocation-free in steady
 * state) and the statistics of the last forward, which backward uses. Work is split over groups (and,
 * for per-element parameter gradients, over fixed blocks of positions); every output is computed the
 * same way whatever the split, so results are bit-identical for any thread count. Not reentrant: one
 * layer, one call at a time.
 */
final class GroupNormEngine {
    /** Below this many elements a call runs on one thread. */
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 15;
    /** Positions per unit of the per-element parameter gradients (fixed: thread-count independent). */
    private static final int POSITION_BLOCK = 256;

    private final GroupNormKernel kernel = KernelProvider.get().groupNorm();
    private final double eps;

    // Geometry of the last forward.
    private int groups;
    private int m;
    private int rowsPerGroup;
    private int s;
    private int channels;
    private boolean perElement;
    private boolean batchStats;
    private float[] gamma;
    private float[] beta;

    // Per group.
    private double[] mean = new double[0];
    private double[] var = new double[0];
    private double[] invStd = new double[0];
    private double[] sumA = new double[0];
    private double[] sumB = new double[0];
    private float[] meanHi = new float[0];
    private float[] meanLo = new float[0];
    private float[] rstd = new float[0];
    private double[] kGroup = new double[0];
    private double[] meanG = new double[0];
    // Per row.
    private float[] rowHi = new float[0];
    private float[] rowLo = new float[0];
    private float[] alpha = new float[0];
    private float[] shift = new float[0];
    private double[] rowRstd = new double[0];
    private float[] rowW = new float[0];
    private double[] rowMeanG = new double[0];
    private double[] rowK = new double[0];
    private double[] rowSumDy = new double[0];
    private double[] rowSumDyXmu = new double[0];
    // Per parameter (channel or position): double sums of the parameter gradients.
    private double[] gradGamma = new double[0];
    private double[] gradBeta = new double[0];

    // The call being run by the parallel tasks (set before Parallel.forRange, cleared after).
    private float[] curX;
    private float[] curY;
    private float[] curDy;
    private final Parallel.RangeTask forwardRowsTask = this::forwardRowsRange;
    private final Parallel.RangeTask forwardElementwiseTask = this::forwardElementwiseRange;
    private final Parallel.RangeTask backwardRowsTask = this::backwardRowsRange;
    private final Parallel.RangeTask backwardElementwiseTask = this::backwardElementwiseRange;
    private final Parallel.RangeTask affineGradsTask = this::affineGradsRange;

    GroupNormEngine(double eps) {
        this.eps = eps;
    }

    // ---------------------------------------------------------------- forward

    /**
     * Batch statistics, per-row affine: y = (x - mean_g) * rstd_g * weight[c] + bias[c], with
     * weight/bias null for the identity. Returns the first group whose statistics are not finite
     * (NaN or Inf in the input), or -1.
     */
    int forwardRows(float[] y, float[] x, int groups, int rowsPerGroup, int s, int channels, float[] weight,
                    float[] bias) {
        setGeometry(groups, rowsPerGroup * s, rowsPerGroup, s, channels, false, true, weight, bias);
        run(x, y, null, groups, forwardRowsTask);
        return firstNonFiniteGroup();
    }

    /**
     * Batch statistics, per-element affine (LayerNorm): y = (x - mean_g) * rstd_g * weight[j] + bias[j];
     * weight and bias non-null (without them LayerNorm is the per-row layout with one row per group).
     */
    int forwardElementwise(float[] y, float[] x, int groups, int m, float[] weight, float[] bias) {
        setGeometry(groups, m, 1, m, 1, true, true, weight, bias);
        run(x, y, null, groups, forwardElementwiseTask);
        return firstNonFiniteGroup();
    }

    /**
     * Given per-channel statistics (InstanceNorm's running statistics in eval), one group per row:
     * y = (x - runMean[c]) / sqrt(runVar[c] + eps) * weight[c] + bias[c], c = r % channels. Cheap
     * per-row bookkeeping on the caller's thread, then the apply in parallel.
     */
    void forwardRowsGivenStats(float[] y, float[] x, int rows, int s, int channels, float[] runMean,
                               float[] runVar, float[] weight, float[] bias) {
        setGeometry(rows, s, 1, s, channels, false, false, weight, bias);
        for (int r = 0; r < rows; r++) {
            int c = r % channels;
            double is = 1.0 / Math.sqrt((double) runVar[c] + eps);
            invStd[r] = is;
            rowHi[r] = runMean[c];
            rowLo[r] = 0f;
            alpha[r] = (float) (gammaOf(c) * is);
            shift[r] = betaOf(c);
        }
        run(x, y, null, rows, forwardRowsTask);
    }

    private void setGeometry(int groups, int m, int rowsPerGroup, int s, int channels, boolean perElement,
                             boolean batchStats, float[] weight, float[] bias) {
        this.groups = groups;
        this.m = m;
        this.rowsPerGroup = rowsPerGroup;
        this.s = s;
        this.channels = channels;
        this.perElement = perElement;
        this.batchStats = batchStats;
        this.gamma = weight;
        this.beta = bias;
        ensureCapacity(groups, groups * rowsPerGroup, perElement ? m : channels);
    }

    private double gammaOf(int i) {
        return gamma == null ? 1.0 : gamma[i];
    }

    private float betaOf(int i) {
        return beta == null ? 0f : beta[i];
    }

    /** Statistics then the apply per block of groups, so the second pass reads x from cache. */
    private void forwardRowsRange(int g0, int g1) {
        int r0 = g0 * rowsPerGroup;
        int r1 = g1 * rowsPerGroup;
        if (batchStats) {
            kernel.stats(mean, var, curX, m, g0, g1);
            for (int g = g0; g < g1; g++) {
                double is = groupInvStd(g);
                for (int r = g * rowsPerGroup; r < (g + 1) * rowsPerGroup; r++) {
                    int c = r % channels;
                    rowHi[r] = meanHi[g];
                    rowLo[r] = meanLo[g];
                    alpha[r] = (float) (gammaOf(c) * is);
                    shift[r] = betaOf(c);
                }
            }
        }
        kernel.normalizeRows(curY, curX, rowHi, rowLo, alpha, shift, s, r0, r1);
    }

    private void forwardElementwiseRange(int g0, int g1) {
        kernel.stats(mean, var, curX, m, g0, g1);
        for (int g = g0; g < g1; g++) {
            groupInvStd(g);
        }
        kernel.normalizeElementwise(curY, curX, meanHi, meanLo, rstd, gamma, beta, m, g0, g1);
    }

    /** rstd = 1/sqrt(var + eps), and the mean as a float pair, from group g's statistics. */
    private double groupInvStd(int g) {
        double is = 1.0 / Math.sqrt(var[g] + eps);
        invStd[g] = is;
        rstd[g] = (float) is;
        float hi = (float) mean[g];
        meanHi[g] = hi;
        meanLo[g] = (float) (mean[g] - hi);
        return is;
    }

    private int firstNonFiniteGroup() {
        for (int g = 0; g < groups; g++) {
            if (Double.isNaN(mean[g]) || Double.isNaN(var[g])) {
                return g;
            }
        }
        return -1;
    }

    /** Biased mean of group g in the last forward with batch statistics. */
    double mean(int g) {
        return mean[g];
    }

    /** Biased variance of group g in the last forward with batch statistics. */
    double var(int g) {
        return var[g];
    }

    // ---------------------------------------------------------------- backward

    /**
     * Input gradient of the last forward into dx; parameter gradients ADDED into weightGrad/biasGrad
     * when they are non-null. x is the last forward's input, unchanged since.
     */
    void backward(float[] dx, float[] dy, float[] x, float[] weightGrad, float[] biasGrad) {
        if (perElement) {
            run(x, dx, dy, groups, backwardElementwiseTask);
            if (weightGrad != null) {
                run(x, null, dy, (m + POSITION_BLOCK - 1) / POSITION_BLOCK, affineGradsTask);
                addInto(weightGrad, biasGrad, m);
            }
            return;
        }
        run(x, dx, dy, groups, backwardRowsTask);
        if (weightGrad != null) {
            // dweight[c] = sum over rows of channel c of rstd * sum dy (x - mean); dbias[c] = sum dy
            java.util.Arrays.fill(gradGamma, 0, channels, 0.0);
            java.util.Arrays.fill(gradBeta, 0, channels, 0.0);
            int rows = groups * rowsPerGroup;
            for (int r = 0; r < rows; r++) {
                int c = r % channels;
                gradGamma[c] += invStd[r / rowsPerGroup] * rowSumDyXmu[r];
                gradBeta[c] += rowSumDy[r];
            }
            addInto(weightGrad, biasGrad, channels);
        }
    }

    private void addInto(float[] weightGrad, float[] biasGrad, int n) {
        for (int i = 0; i < n; i++) {
            weightGrad[i] += (float) gradGamma[i];
            biasGrad[i] += (float) gradBeta[i];
        }
    }

    private void backwardRowsRange(int g0, int g1) {
        int r0 = g0 * rowsPerGroup;
        int r1 = g1 * rowsPerGroup;
        if (batchStats || gamma != null) {
            kernel.sumsRows(rowSumDy, rowSumDyXmu, curX, curDy, rowHi, rowLo, s, r0, r1);
        }
        if (!batchStats) {
            kernel.scaleRows(curY, curDy, alpha, s, r0, r1); // running statistics are constants
            return;
        }
        for (int g = g0; g < g1; g++) {
            // with g = dy * weight[c]: A = sum g, B = sum g (x - mean)
            double a = 0;
            double b = 0;
            for (int r = g * rowsPerGroup; r < (g + 1) * rowsPerGroup; r++) {
                double w = gammaOf(r % channels);
                a += w * rowSumDy[r];
                b += w * rowSumDyXmu[r];
            }
            double k = coefK(g, b);
            for (int r = g * rowsPerGroup; r < (g + 1) * rowsPerGroup; r++) {
                rowRstd[r] = invStd[g];
                rowW[r] = (float) gammaOf(r % channels);
                rowMeanG[r] = a / m;
                rowK[r] = k;
            }
        }
        kernel.backwardRows(curY, curX, curDy, rowHi, rowLo, rowRstd, rowW, rowMeanG, rowK, s, r0, r1);
    }

    private void backwardElementwiseRange(int g0, int g1) {
        kernel.sumsElementwise(sumA, sumB, curX, curDy, gamma, meanHi, meanLo, m, g0, g1);
        for (int g = g0; g < g1; g++) {
            kGroup[g] = coefK(g, sumB[g]);
            meanG[g] = sumA[g] / m;
        }
        kernel.backwardElementwise(curY, curX, curDy, gamma, meanHi, meanLo, invStd, meanG, kGroup, m, g0, g1);
    }

    /** k = -rstd^3 * mean(g (x - mean)) = -rstd^2 * mean(g * xhat). */
    private double coefK(int g, double sumGXmu) {
        double is = invStd[g];
        return -is * is * is * sumGXmu / m;
    }

    private void affineGradsRange(int u0, int u1) {
        int j0 = u0 * POSITION_BLOCK;
        int j1 = Math.min(m, u1 * POSITION_BLOCK);
        kernel.affineGradsElementwise(gradGamma, gradBeta, curX, curDy, meanHi, meanLo, rstd, m, groups, j0, j1);
    }

    // ---------------------------------------------------------------- plumbing

    private void run(float[] x, float[] y, float[] dy, int units, Parallel.RangeTask task) {
        long elements = (long) groups * m;
        int grain = elements < PARALLEL_MIN_ELEMENTS ? Integer.MAX_VALUE : 1;
        curX = x;
        curY = y;
        curDy = dy;
        try {
            Parallel.forRange(units, grain, task);
        } finally {
            curX = null;
            curY = null;
            curDy = null;
        }
    }

    private void ensureCapacity(int numGroups, int rows, int params) {
        if (mean.length < numGroups) {
            mean = new double[numGroups];
            var = new double[numGroups];
            invStd = new double[numGroups];
            sumA = new double[numGroups];
            sumB = new double[numGroups];
            meanHi = new float[numGroups];
            meanLo = new float[numGroups];
            rstd = new float[numGroups];
            kGroup = new double[numGroups];
            meanG = new double[numGroups];
        }
        if (rowHi.length < rows) {
            rowHi = new float[rows];
            rowLo = new float[rows];
            alpha = new float[rows];
            shift = new float[rows];
            rowRstd = new double[rows];
            rowW = new float[rows];
            rowMeanG = new double[rows];
            rowK = new double[rows];
            rowSumDy = new double[rows];
            rowSumDyXmu = new double[rows];
        }
        if (gradGamma.length < params) {
            gradGamma = new double[params];
            gradBeta = new double[params];
        }
    }
}
