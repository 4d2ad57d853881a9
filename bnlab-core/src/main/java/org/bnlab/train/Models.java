package org.bnlab.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Dropout;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.Module;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.Sigmoid;
import org.bnlab.nn.Tanh;
import org.bnlab.nn.init.Init;
import org.bnlab.nn.norm.BatchNorm;

/** Builds the networks a {@link ModelSpec} describes, as an nn.Sequential with PyTorch's layer indices. */
public final class Models {
    private Models() {}

    /** Output widths of the CNN's normalized layers: conv 32, conv 64, Linear 128. */
    static final List<Integer> CNN_WIDTHS = List.of(32, 64, 128);

    public static Sequential build(ModelSpec spec, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        NormChoice norm = NormChoice.parse(spec.norm());
        List<Module> layers = new ArrayList<>();
        if (spec.kind().equals("mlp")) {
            int in = spec.features();
            for (int h : spec.hidden()) {
                addHidden(layers, spec, norm, linear(spec, in, h, !spec.normalized(), rng), h, rng);
                in = h;
            }
            layers.add(linear(spec, in, spec.classes(), true, rng));
        } else {
            // conv3x3-32-norm-ReLU-maxpool, conv3x3-64-norm-ReLU-maxpool, Linear-128-norm-ReLU, Linear-classes
            int c = spec.channels();
            int h = spec.height();
            int w = spec.width();
            for (int out : CNN_WIDTHS.subList(0, 2)) {
                layers.add(conv(spec, c, out, rng));
                if (!norm.none()) {
                    layers.add(norm.layer(out, h, w));
                }
                layers.add(activation(spec));
                layers.add(new MaxPool2d(2, 2));
                c = out;
                h /= 2;
                w /= 2;
            }
            layers.add(new Flatten());
            int width = CNN_WIDTHS.get(2);
            addHidden(layers, spec, norm, linear(spec, c * h * w, width, !spec.normalized(), rng), width, rng);
            layers.add(linear(spec, width, spec.classes(), true, rng));
        }
        return new Sequential(layers.toArray(new Module[0]));
    }

    /**
     * The small BN CNN of the deployment tests and the inference benchmarks (ONNX Runtime has it as
     * its CNN): conv3x3-8 (no bias), BN, ReLU, max pool 2, conv3x3-16, BN, ReLU, max pool 2, Flatten,
     * Linear 784 -> 10, for 1 x 28 x 28 images; the three weighted layers draw from seeds
     * {@code seed}, {@code seed + 1} and {@code seed + 2}.
     */
    public static Sequential smallCnn(long seed) {
        return new Sequential(
                new Conv2d(1, 8, 3, 1, 1, false, seed), BatchNorm.builder(8).build(), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1, true, seed + 1), BatchNorm.builder(16).build(), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 7 * 7, 10, true, seed + 2));
    }

    private static void addHidden(List<Module> layers, ModelSpec spec, NormChoice norm, Module linear, int width,
                                  SplittableRandom rng) {
        layers.add(linear);
        if (!norm.none()) {
            layers.add(norm.layer(width));
        }
        layers.add(activation(spec));
        if (spec.dropout() > 0) {
            layers.add(new Dropout(spec.dropout(), rng.nextLong()));
        }
    }

    private static Module activation(ModelSpec spec) {
        switch (spec.activation()) {
            case "sigmoid":
                return new Sigmoid();
            case "tanh":
                return new Tanh();
            default:
                return new ReLU();
        }
    }

    private static Linear linear(ModelSpec spec, int in, int out, boolean bias, SplittableRandom rng) {
        Linear l = new Linear(in, out, bias, rng.nextLong());
        initialize(spec, l.weight(), l.bias(), in, out, rng);
        return l;
    }

    private static Conv2d conv(ModelSpec spec, int in, int out, SplittableRandom rng) {
        Conv2d c = new Conv2d(in, out, 3, 1, 1, !spec.normalized(), rng.nextLong());
        initialize(spec, c.weight(), c.bias(), in * 9, out * 9, rng);
        return c;
    }

    /** Re-initializes weight (and zeroes bias) unless the PyTorch default is asked for. */
    private static void initialize(ModelSpec spec, org.bnlab.nn.Parameter weight, org.bnlab.nn.Parameter bias,
                                   int fanIn, int fanOut, SplittableRandom rng) {
        Init.Nonlinearity nl = spec.activation().equals("relu") ? Init.Nonlinearity.RELU
                : spec.activation().equals("tanh") ? Init.Nonlinearity.TANH : Init.Nonlinearity.SIGMOID;
        switch (spec.init()) {
            case "normal":
                Init.normal(weight, spec.initStd(), rng);
                break;
            case "xavier":
                Init.xavierUniform(weight, fanIn, fanOut, Init.calculateGain(nl), rng);
                break;
            case "kaiming":
                Init.kaimingNormal(weight, fanIn, fanOut, Init.FanMode.FAN_IN, Init.Nonlinearity.RELU, 0, rng);
                break;
            default:
                return;
        }
        if (bias != null) {
            java.util.Arrays.fill(bias.data(), 0f);
        }
    }
}
