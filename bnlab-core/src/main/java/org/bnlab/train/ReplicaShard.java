package org.bnlab.train;

import java.util.List;
import org.bnlab.dist.Collective;
import org.bnlab.nn.Parameter;
import org.bnlab.tensor.Tensor;

/**
 * One replica's share of a data-parallel {@link Trainer} step (PyTorch's DistributedDataParallel):
 * every replica draws the same global batch of N examples from the same seeded shuffle, keeps the
 * contiguous slice of its rank (N_r examples, the first N % R ranks one more, as
 * {@link org.bnlab.train.parallel.DataParallel} cuts), and scales its loss gradient by N_r/N so that
 * the replicas' gradients, summed, are the gradient of the mean loss over the global batch:
 * <pre>
 *   L = (1/N) sum_i l_i = sum_r (N_r/N) L_r          dL/dtheta = sum_r (N_r/N) dL_r/dtheta
 * </pre>
 * {@link #allReduce} all-gathers every gradient together with the weighted loss (one collective call
 * per step) and sums them in double in rank order, rounding once: the same result on every replica,
 * equal to DataParallel's reduction, so the optimizers, stepped on equal gradients, stay equal.
 */
final class ReplicaShard {
    private final Collective collective;
    private final int rank;
    private final int replicas;
    private final int offset;
    private final int size;
    private final int globalN;
    private final int[] labels;
    private Tensor images;
    private double[] send = new double[0];
    private double[] recv = new double[0];

    ReplicaShard(Collective collective, int rank, int globalBatch) {
        this.collective = collective;
        this.rank = rank;
        this.replicas = collective.size();
        this.globalN = globalBatch;
        int off = 0;
        for (int r = 0; r < rank; r++) {
            off += sliceSize(r);
        }
        this.offset = off;
        this.size = sliceSize(rank);
        this.labels = new int[size];
    }

    private int sliceSize(int r) {
        return globalN / replicas + (r < globalN % replicas ? 1 : 0);
    }

    /** This replica's rows of the global batch {@code x} [N, ...] (copied into a buffer of its own). */
    Tensor images(Tensor x) {
        if (images == null) {
            int[] shape = x.shape().clone();
            shape[0] = size;
            images = Tensor.zeros(shape);
        }
        int row = x.numel() / x.size(0);
        System.arraycopy(x.data(), offset * row, images.data(), 0, size * row);
        return images;
    }

    /** This replica's labels of the global batch. */
    int[] labels(int[] global) {
        System.arraycopy(global, offset, labels, 0, size);
        return labels;
    }

    /** Scales the slice's loss gradient by N_r/N: d(mean over N)/d logits = (N_r/N) d(mean over N_r)/d logits. */
    void scaleLossGradient(Tensor grad) {
        float[] g = grad.data();
        double scale = (double) size / globalN;
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (g[i] * scale);
        }
    }

    /**
     * Replaces every parameter gradient by its sum over the replicas and returns the global batch's mean
     * loss, sum_r (N_r/N) L_r; both summed in double in rank order.
     */
    float allReduce(List<Parameter> params, float sliceLoss) {
        int n = 1;
        for (Parameter p : params) {
            n += p.numel();
        }
        if (send.length != n) {
            send = new double[n];
            recv = new double[replicas * n];
        }
        int k = 0;
        for (Parameter p : params) {
            float[] g = p.grad();
            for (int i = 0; i < g.length; i++) {
                send[k++] = g[i];
            }
        }
        send[k] = (double) sliceLoss * size / globalN;
        collective.allGather(rank, send, recv);
        k = 0;
        for (Parameter p : params) {
            float[] g = p.grad();
            for (int i = 0; i < g.length; i++, k++) {
                double acc = recv[k];
                for (int r = 1; r < replicas; r++) {
                    acc += recv[r * n + k];
                }
                g[i] = (float) acc;
            }
        }
        double loss = 0;
        for (int r = 0; r < replicas; r++) {
            loss += recv[r * n + k];
        }
        return (float) loss;
    }
}
