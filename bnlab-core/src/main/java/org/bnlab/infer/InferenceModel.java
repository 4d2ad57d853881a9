package org.bnlab.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.Module;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.BatchNormFolding;
import org.bnlab.tensor.Tensor;

/**
 * The deployment path of a trained {@link Sequential}: eval mode, every foldable BatchNorm folded
 * into the layer before it ({@link BatchNormFolding}), Dropout removed, and the layers compiled into
 * immutable stages over the same kernels as training (Gemm, Im2col, Pool2d, ActivationKernel,
 * BatchNormKernel). The logits equal the model's eval-mode forward up to the rounding of the fold
 * (a few ulp).
 *
 * <p>Thread safety: an InferenceModel is immutable after {@link #of} and may be shared by any number
 * of threads calling {@link #predict} at once. Weights are private copies, never written after
 * construction (later training of the source model does not affect them). Each calling thread gets
 * its own work buffers from a {@link ThreadLocal}, grown to the largest batch that thread has asked
 * for (at most {@value #CHUNK_FLOATS} floats per buffer: a larger batch runs in chunks, with the same
 * results, since every sample is computed on its own) and then reused: a steady-state
 * {@code predict(float[], int, float[])} allocates nothing. The
 * buffers stay with the thread until the thread ends or this model is garbage, so a pool of N
 * threads holds N sets (two activation buffers of batch x widest layer), and every thread that runs
 * a convolution, callers and {@link org.bnlab.kernel.Parallel}'s workers, one im2col matrix.
 * Results do not depend on the thread count or on concurrency: large products split over
 * {@link org.bnlab.kernel.Parallel}'s pool when it is free and run on the caller's thread when
 * another caller holds it, with bit-identical output either way.
 */
public final class InferenceModel {

    private final Stage[] stages;
    private final int[] sampleShape;
    private final int inFeatures;
    private final int outFeatures;
    /** Floats per work buffer above which a batch runs in chunks (16 MB: the CNN preset's 167 samples). */
    static final int CHUNK_FLOATS = 1 << 22;

    private final int maxActivation;
    /** Samples per chunk: the largest batch run in one go. */
    private final int chunk;
    private final ThreadLocal<Workspace> workspace = ThreadLocal.withInitial(Workspace::new);

    private InferenceModel(Stage[] stages, int[] sampleShape) {
        this.stages = stages;
        this.sampleShape = sampleShape;
        this.inFeatures = product(sampleShape);
        this.outFeatures = stages.length == 0 ? inFeatures : stages[stages.length - 1].outSize();
        int act = outFeatures;
        for (Stage s : stages) {
            act = Math.max(act, s.outSize());
        }
        // the input is counted too: a chunked batch copies its input into the first buffer
        this.maxActivation = Math.max(act, inFeatures);
        this.chunk = Math.max(1, CHUNK_FLOATS / this.maxActivation);
    }

    /**
     * Compiles {@code model} for inputs of per-sample shape {@code sampleShape}: [features] for a
     * model that starts with a Linear (may be omitted: taken from that Linear), [C, H, W] for one
     * that starts with a Conv2d or a pooling layer. The model is read, not changed.
     */
    public static InferenceModel of(Sequential model, int... sampleShape) {
        List<Module> layers = new ArrayList<>();
        flatten(BatchNormFolding.fold(model), layers);
        int[] shape = sampleShape.length > 0 ? sampleShape.clone() : inferShape(layers);
        if (shape.length != 1 && shape.length != 3 || product(shape) < 1) {
            throw new IllegalArgumentException("InferenceModel: sample shape must be [features] or [C, H, W] with every "
                    + "dimension >= 1, got " + Arrays.toString(shape));
        }
        int[] input = shape.clone();
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            Stage s = compile(m, shape, i);
            if (s != null) {
                stages.add(s);
            }
            shape = outShape(m, s, shape);
        }
        poolBeforeRelu(stages);
        return new InferenceModel(stages.toArray(new Stage[0]), input);
    }

    /**
     * ReLU then max pooling becomes max pooling then ReLU: the same bits, on a quarter of the values
     * (2 x 2 pooling). relu(x) = x if x > 0 or NaN, else +0 is non-decreasing and keeps NaN, so for a
     * window without NaN both orders give the window's maximum if it is positive and +0 otherwise,
     * and with a NaN both give the first NaN in scan order (max pooling's rule), payload included.
     */
    private static void poolBeforeRelu(List<Stage> stages) {
        for (int i = 0; i + 1 < stages.size(); i++) {
            if (stages.get(i) instanceof ActivationStage a && a.kind() == ActivationStage.Kind.RELU
                    && stages.get(i + 1) instanceof PoolStage p && p.kind() == PoolStage.Kind.MAX) {
                stages.set(i, p);
                stages.set(i + 1, new ActivationStage(ActivationStage.Kind.RELU, p.outSize()));
                i++;
            }
        }
    }

    private static void flatten(Sequential s, List<Module> out) {
        for (Module m : s.modules()) {
            if (m instanceof Sequential inner) {
                flatten(inner, out);
            } else {
                out.add(m);
            }
        }
    }

    private static int[] inferShape(List<Module> layers) {
        for (Module m : layers) {
            if (m instanceof Linear l) {
                return new int[] {l.inFeatures()};
            }
            if (!(m instanceof Dropout)) {
                break;
            }
        }
        throw new IllegalArgumentException("InferenceModel: the model does not start with a Linear layer; "
                + "give the per-sample input shape, e.g. [C, H, W] = [1, 28, 28]");
    }

    /** The stage for layer {@code i} on per-sample input {@code shape}, or null for a no-op (Flatten, Dropout). */
    private static Stage compile(Module m, int[] shape, int i) {
        String where = "InferenceModel: layer " + i + " " + m;
        if (m instanceof Linear l) {
            if (shape.length != 1 || shape[0] != l.inFeatures()) {
                throw new IllegalArgumentException(where + " expects [N, " + l.inFeatures() + "] but gets [N, "
                        + join(shape) + "]");
            }
            float[] bias = l.bias() == null ? new float[l.outFeatures()] : l.bias().data();
            return new DenseStage(l.inFeatures(), l.outFeatures(), l.weight().data(), bias);
        }
        if (m instanceof Conv2d c) {
            requireImage(where, shape);
            if (shape[0] != c.inChannels()) {
                throw new IllegalArgumentException(where + " expects " + c.inChannels() + " channels but gets [N, "
                        + join(shape) + "]");
            }
            if (shape[1] + 2 * c.padding() < c.kernelSize() || shape[2] + 2 * c.padding() < c.kernelSize()) {
                throw new IllegalArgumentException(where + ": input [N, " + join(shape) + "] is smaller than the kernel");
            }
            float[] bias = c.bias() == null ? new float[c.outChannels()] : c.bias().data();
            return new ConvStage(shape[0], shape[1], shape[2], c.outChannels(), c.kernelSize(), c.stride(),
                    c.padding(), c.weight().data(), bias);
        }
        if (m instanceof BatchNorm bn) {
            return affine(bn, shape, where);
        }
        if (m instanceof ReLU) {
            return new ActivationStage(ActivationStage.Kind.RELU, product(shape));
        }
        if (m instanceof Sigmoid) {
            return new ActivationStage(ActivationStage.Kind.SIGMOID, product(shape));
        }
        if (m instanceof Tanh) {
            return new ActivationStage(ActivationStage.Kind.TANH, product(shape));
        }
        if (m instanceof MaxPool2d p) {
            return pool(PoolStage.Kind.MAX, p.kernelSize(), p.stride(), shape, where);
        }
        if (m instanceof AvgPool2d p) {
            return pool(PoolStage.Kind.AVG, p.kernelSize(), p.stride(), shape, where);
        }
        if (m instanceof GlobalAvgPool2d) {
            requireImage(where, shape);
            return new PoolStage(PoolStage.Kind.GLOBAL_AVG, shape[0], shape[1], shape[2], shape[1], 1);
        }
        if (m instanceof Flatten || m instanceof Dropout) {
            return null; // a view and the eval-mode identity
        }
        throw new IllegalArgumentException(where + ": layer type " + m.getClass().getSimpleName() + " is not supported");
    }

    private static Stage affine(BatchNorm bn, int[] shape, String where) {
        if (!bn.trackRunningStats()) {
            throw new IllegalArgumentException(where + " has no running statistics (track_running_stats=false): it "
                    + "normalizes with the statistics of each batch even in eval mode, so no per-sample model exists");
        }
        if (shape[0] != bn.numFeatures()) {
            throw new IllegalArgumentException(where + " expects " + bn.numFeatures() + " channels but gets [N, "
                    + join(shape) + "]");
        }
        int c = bn.numFeatures();
        float[] alpha = new float[c];
        float[] beta = new float[c];
        for (int j = 0; j < c; j++) {
            double gamma = bn.affine() ? bn.weight()[j] : 1.0;
            alpha[j] = (float) (gamma / Math.sqrt((double) bn.runningVar()[j] + bn.eps()));
            beta[j] = bn.affine() ? bn.bias()[j] : 0f;
        }
        return new AffineStage(c, product(shape) / c, bn.runningMean().clone(), alpha, beta);
    }

    private static Stage pool(PoolStage.Kind kind, int k, int stride, int[] shape, String where) {
        requireImage(where, shape);
        if (shape[1] < k || shape[2] < k) {
            throw new IllegalArgumentException(where + ": input [N, " + join(shape) + "] is smaller than the kernel " + k);
        }
        return new PoolStage(kind, shape[0], shape[1], shape[2], k, stride);
    }

    private static int[] outShape(Module m, Stage s, int[] shape) {
        if (s instanceof ConvStage c) {
            return new int[] {((Conv2d) m).outChannels(), c.outHeight(), c.outWidth()};
        }
        if (s instanceof PoolStage p) {
            return m instanceof GlobalAvgPool2d ? new int[] {shape[0]} : new int[] {shape[0], p.outHeight(), p.outWidth()};
        }
        if (s instanceof DenseStage d) {
            return new int[] {d.outSize()};
        }
        if (m instanceof Flatten) {
            return new int[] {product(shape)};
        }
        return shape;
    }

    private static void requireImage(String where, int[] shape) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(where + " expects [N, C, H, W] but gets [N, " + join(shape) + "]");
        }
    }

    private static int product(int[] shape) {
        int p = 1;
        for (int d : shape) {
            p = Math.multiplyExact(p, d);
        }
        return p;
    }

    private static String join(int[] shape) {
        String s = Arrays.toString(shape);
        return s.substring(1, s.length() - 1);
    }

    /** The per-sample input shape ([features] or [C, H, W]). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Floats per input sample. */
    public int inputFeatures() {
        return inFeatures;
    }

    /** Logits per sample. */
    public int outputFeatures() {
        return outFeatures;
    }

    /**
     * Logits of {@code n} samples: reads {@code x[0, n * inputFeatures())} (samples one after the other,
     * each in {@link #sampleShape()} order) and writes {@code logitsOut[0, n * outputFeatures())}.
     * Allocation-free once this thread has run a batch at least as large. Safe to call concurrently.
     */
    public void predict(float[] x, int n, float[] logitsOut) {
        if (x == null || logitsOut == null) {
            throw new IllegalArgumentException("InferenceModel.predict: x and logitsOut must be non-null");
        }
        if (n < 0 || (long) n * inFeatures > x.length || (long) n * outFeatures > logitsOut.length) {
            throw new IllegalArgumentException("InferenceModel.predict: " + n + " samples need " + (long) n * inFeatures
                    + " input floats and " + (long) n * outFeatures + " output floats, got arrays of " + x.length
                    + " and " + logitsOut.length);
        }
        if (n == 0) {
            return;
        }
        Workspace ws = workspace.get();
        if (n <= chunk) {
            ws.ensure(n, maxActivation);
            System.arraycopy(run(x, n, ws), 0, logitsOut, 0, n * outFeatures);
            return;
        }
        // a large batch runs in chunks: the work buffers stay at chunk x widest layer, whatever n is
        ws.ensure(chunk, maxActivation);
        for (int start = 0; start < n; start += chunk) {
            int m = Math.min(chunk, n - start);
            System.arraycopy(x, start * inFeatures, ws.a, 0, m * inFeatures);
            System.arraycopy(run(ws.a, m, ws), 0, logitsOut, start * outFeatures, m * outFeatures);
        }
    }

    /** Runs the stages on the n samples of {@code in}; returns the buffer holding the logits. */
    private float[] run(float[] in, int n, Workspace ws) {
        float[] cur = in;
        for (Stage s : stages) {
            // ping-pong between the two buffers; elementwise stages run in place, but never on the caller's x
            boolean ours = cur == ws.a || cur == ws.b;
            float[] dst = s.inPlace() && ours ? cur : (cur == ws.a ? ws.b : ws.a);
            s.run(cur, dst, n, ws);
            cur = dst;
        }
        return cur;
    }

    /** Logits [N, outputFeatures()] of x ([N, features] or [N, C, H, W] matching {@link #sampleShape()}), as a new tensor. */
    public Tensor predict(Tensor x) {
        int n = x.dim() > 0 ? x.size(0) : 0;
        if (x.dim() < 2 || (long) n * inFeatures != x.numel()) {
            throw new IllegalArgumentException("InferenceModel.predict: expected input [N, " + join(sampleShape)
                    + "] (or [N, " + inFeatures + "]), got " + Arrays.toString(x.shape()));
        }
        Tensor y = Tensor.zeros(n, outFeatures);
        predict(x.data(), n, y.data());
        return y;
    }
}
