package org.bnlab.nn.norm;

import org.bnlab.nn.AvgPool2d;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.GlobalAvgPool2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.Module;
import org.bnlab.nn.Parameter;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.Tanh;

/**
 * Folds eval-mode BatchNorm into the Linear or Conv2d right before it (Ioffe &amp; Szegedy 2015,
 * section 3.1: at inference BN is an affine map, so it merges into the preceding affine layer):
 * <pre>
 *   s[o]  = gamma[o] / sqrt(running_var[o] + eps)
 *   W'[o] = W[o] * s[o]                                   (every weight of output channel o)
 *   b'[o] = (b[o] - running_mean[o]) * s[o] + beta[o]     (b = 0 when the layer has no bias)
 * </pre>
 * The folded layer always has a bias: without one, b' = beta - running_mean * s is still needed
 * (dropping it is the classic folding bug). gamma = 1 and beta = 0 when the BN is not affine. The
 * arithmetic runs in double and is rounded once to float.
 *
 * <p>A BN stays as it is when it does not directly follow a Linear or Conv2d, or when it does not
 * track running statistics (it then normalizes with batch statistics even in eval mode, which no
 * fixed affine map reproduces). The result equals the original in eval mode only; it is a new
 * model: every layer is a fresh copy and the input model is left untouched.
 */
public final class BatchNormFolding {

    private BatchNormFolding() {}

    /** A copy of {@code model} with every foldable BN merged into the layer before it (nested Sequentials too). */
    public static Sequential fold(Sequential model) {
        java.util.List<Module> out = new java.util.ArrayList<>();
        for (int i = 0; i < model.size(); i++) {
            Module m = model.get(i);
            BatchNorm next = i + 1 < model.size() && model.get(i + 1) instanceof BatchNorm bn
                    && bn.trackRunningStats() ? bn : null;
            if (next != null && m instanceof Linear l) {
                out.add(foldLinear(l, next, i));
                i++;
            } else if (next != null && m instanceof Conv2d c) {
                out.add(foldConv(c, next, i));
                i++;
            } else {
                out.add(copy(m));
            }
        }
        return new Sequential(out.toArray(new Module[0]));
    }

    private static Linear foldLinear(Linear l, BatchNorm bn, int index) {
        checkChannels(l.outFeatures(), bn, index, l);
        Linear f = new Linear(l.inFeatures(), l.outFeatures(), true, 0L);
        foldInto(f.weight(), f.bias(), l.weight(), l.bias(), bn);
        return f;
    }

    private static Conv2d foldConv(Conv2d c, BatchNorm bn, int index) {
        checkChannels(c.outChannels(), bn, index, c);
        Conv2d f = new Conv2d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), c.padding(), true, 0L);
        foldInto(f.weight(), f.bias(), c.weight(), c.bias(), bn);
        return f;
    }

    private static void checkChannels(int channels, BatchNorm bn, int index, Module layer) {
        if (bn.numFeatures() != channels) {
            throw new IllegalArgumentException("BatchNormFolding: module " + (index + 1) + " " + bn + " has "
                    + bn.numFeatures() + " features but module " + index + " " + layer + " produces " + channels);
        }
    }

    /** dstW = W * s per output row, dstB = (b - mean) * s + beta; W is [out, fanIn] row-major. */
    private static void foldInto(Parameter dstW, Parameter dstB, Parameter w, Parameter b, BatchNorm bn) {
        int out = bn.numFeatures();
        int fanIn = w.data().length / out;
        float[] wd = w.data();
        float[] wf = dstW.data();
        float[] bf = dstB.data();
        float[] rm = bn.runningMean();
        float[] rv = bn.runningVar();
        for (int o = 0; o < out; o++) {
            double gamma = bn.affine() ? bn.weight()[o] : 1.0;
            double beta = bn.affine() ? bn.bias()[o] : 0.0;
            double s = gamma / Math.sqrt((double) rv[o] + bn.eps());
            for (int j = o * fanIn, e = j + fanIn; j < e; j++) {
                wf[j] = (float) (wd[j] * s);
            }
            double bias = b == null ? 0.0 : b.data()[o];
            bf[o] = (float) ((bias - rm[o]) * s + beta);
        }
    }

    /** A fresh module with the same configuration and state (parameters, buffers, dropout position). */
    private static Module copy(Module m) {
        if (m instanceof Sequential s) {
            return fold(s);
        }
        Module c;
        if (m instanceof Linear l) {
            c = new Linear(l.inFeatures(), l.outFeatures(), l.bias() != null, 0L);
        } else if (m instanceof Conv2d v) {
            c = new Conv2d(v.inChannels(), v.outChannels(), v.kernelSize(), v.stride(), v.padding(), v.bias() != null, 0L);
        } else if (m instanceof BatchNorm bn) {
            BatchNorm.Builder b = BatchNorm.builder(bn.numFeatures()).eps(bn.eps()).affine(bn.affine())
                    .trackRunningStats(bn.trackRunningStats());
            c = (bn.isCumulativeAverage() ? b.cumulativeAverage() : b.momentum(bn.momentum())).build();
        } else if (m instanceof Dropout d) {
            Dropout copy = new Dropout(d.p(), d.seed());
            copy.setCallCount(d.callCount());
            c = copy;
        } else if (m instanceof MaxPool2d p) {
            c = new MaxPool2d(p.kernelSize(), p.stride());
        } else if (m instanceof AvgPool2d p) {
            c = new AvgPool2d(p.kernelSize(), p.stride());
        } else if (m instanceof ReLU) {
            c = new ReLU();
        } else if (m instanceof Sigmoid) {
            c = new Sigmoid();
        } else if (m instanceof Tanh) {
            c = new Tanh();
        } else if (m instanceof Flatten) {
            c = new Flatten();
        } else if (m instanceof GlobalAvgPool2d) {
            c = new GlobalAvgPool2d();
        } else {
            throw new IllegalArgumentException("BatchNormFolding: cannot copy module " + m + " (" + m.getClass().getName() + ")");
        }
        StateDict sd = new StateDict();
        m.stateDict("", sd);
        c.loadStateDict("", sd);
        return c;
    }
}
