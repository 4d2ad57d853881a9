package org.bnlab.nn;

import org.bnlab.kernel.Parallel;
import org.bnlab.tensor.Tensor;

/**
 * torch.nn.CrossEntropyLoss with mean reduction, fused log-softmax + NLL over logits [N, C] and class
 * labels in [0, C). Per row, with m = max_j x_j (subtracted so exp never overflows):
 *
 * <pre>
 *   lse    = m + log(sum_j exp(x_j - m))          (sum accumulated in double)
 *   loss   = (1/N) * sum_n (lse_n - x_n[label_n])
 *   dx_n_j = (softmax_n_j - [j == label_n]) / N
 * </pre>
 *
 * {@link #forward} returns the loss, writes d loss / d logits into a reusable buffer
 * ({@link #gradBuffer()}) and counts rows whose argmax (first maximum, as torch.argmax) equals the
 * label ({@link #correct()}). Non-finite logits or labels out of range raise an
 * IllegalArgumentException instead of producing NaN. No class weights, ignore_index or label smoothing.
 * Rows are processed in parallel; the per-row losses are summed afterwards in row order, so the
 * result is the same for any thread count.
 */
public final class CrossEntropyLoss {

    private Tensor grad;          // (N, C)
    private double[] rowLoss;     // (N)
    private boolean[] rowCorrect; // (N)
    private int correct;
    private float loss;

    private float[] curX;
    private int[] curLabels;
    private int curC;
    private final Parallel.RangeTask rowsTask = this::rows;

    /**
     * Loss of {@code logits} (N, C) against {@code labels} (N); also fills the gradient buffer and the
     * correct count.
     */
    public float forward(Tensor logits, int[] labels) {
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("CrossEntropyLoss expects logits of shape [N, C], got " + logits);
        }
        int n = logits.size(0);
        int c = logits.size(1);
        if (n == 0 || c == 0) {
            throw new IllegalArgumentException("CrossEntropyLoss: empty input " + logits);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("CrossEntropyLoss: " + labels.length + " labels for a batch of " + n);
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException("CrossEntropyLoss: label " + labels[i] + " at row " + i
                        + " is out of range [0, " + c + ")");
            }
        }
        if (grad == null || grad.size(0) != n || grad.size(1) != c) {
            grad = Tensor.zeros(n, c);
            rowLoss = new double[n];
            rowCorrect = new boolean[n];
        }
        curX = logits.data();
        curLabels = labels;
        curC = c;
        try {
            Parallel.forRange(n, Math.max(1, (1 << 14) / c), rowsTask);
        } finally {
            curX = null;
            curLabels = null;
        }
        double sum = 0;
        int good = 0;
        for (int i = 0; i < n; i++) {
            sum += rowLoss[i];
            good += rowCorrect[i] ? 1 : 0;
        }
        correct = good;
        loss = (float) (sum / n);
        return loss;
    }

    private void rows(int from, int to) {
        float[] x = curX;
        float[] g = grad.data();
        int c = curC;
        double invN = 1.0 / grad.size(0);
        for (int r = from; r < to; r++) {
            int base = r * c;
            float max = Float.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int j = 0; j < c; j++) {
                float v = x[base + j];
                if (!(Math.abs(v) <= Float.MAX_VALUE)) {
                    throw new IllegalArgumentException("CrossEntropyLoss: logits row " + r + " contains "
                            + v + " at class " + j + " (NaN/Inf logits)");
                }
                if (v > max) {
                    max = v;
                    argmax = j;
                }
            }
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp((double) x[base + j] - max);
            }
            int label = curLabels[r];
            rowLoss[r] = max + Math.log(s) - x[base + label];
            rowCorrect[r] = argmax == label;
            double invS = 1.0 / s;
            for (int j = 0; j < c; j++) {
                g[base + j] = org.bnlab.kernel.Subnormals.flush(
                        (float) ((Math.exp((double) x[base + j] - max) * invS - (j == label ? 1.0 : 0.0)) * invN));
            }
        }
    }

    /** d loss / d logits of the last forward, (N, C); overwritten by the next call. */
    public Tensor gradBuffer() {
        if (grad == null) {
            throw new IllegalStateException("CrossEntropyLoss.gradBuffer called before forward");
        }
        return grad;
    }

    /** The loss of the last forward. */
    public float loss() {
        return loss;
    }

    /** Rows of the last forward whose argmax equals the label. */
    public int correct() {
        return correct;
    }
}
