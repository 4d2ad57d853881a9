package org.bnlab.nn.init;

import java.util.SplittableRandom;
import org.bnlab.nn.Parameter;

/**
 * torch.nn.init's initializers on flat arrays (or a {@link Parameter}'s data), with fan_in / fan_out
 * given explicitly (for a Linear weight [out, in]: fanIn = in, fanOut = out; for a conv weight
 * [out, in, kh, kw]: fanIn = in*kh*kw, fanOut = out*kh*kw).
 *
 * <pre>
 *   xavierUniform:  U(-a, a),  a   = gain * sqrt(6 / (fan_in + fan_out))
 *   xavierNormal:   N(0, s^2), s   = gain * sqrt(2 / (fan_in + fan_out))
 *   kaimingUniform: U(-a, a),  a   = gain * sqrt(3 / fan)        fan = fan_in or fan_out (mode)
 *   kaimingNormal:  N(0, s^2), s   = gain / sqrt(fan)
 *   normal(sigma):  N(0, sigma^2)  (the BN paper's "small Gaussian" init)
 * </pre>
 *
 * All randomness comes from the caller's {@link SplittableRandom}, so an init is reproducible from a
 * seed: uniform values are {@code a + (b - a) * nextDouble()}, Gaussians come from Box-Muller with
 * StrictMath (identical on every JVM). The values are not PyTorch's (different generator); the
 * distributions are.
 */
public final class Init {

    /** torch.nn.init.calculate_gain's nonlinearities. */
    public enum Nonlinearity { LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SELU }

    /** Which fan kaiming init preserves: the forward pass's variance (FAN_IN) or backward's (FAN_OUT). */
    public enum FanMode { FAN_IN, FAN_OUT }

    private Init() {}

    /** calculate_gain with PyTorch's default leaky_relu slope 0.01. */
    public static double calculateGain(Nonlinearity nl) {
        return calculateGain(nl, 0.01);
    }

    /**
     * calculate_gain: linear/sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)),
     * selu 3/4. {@code param} is the leaky_relu negative slope (ignored otherwise).
     */
    public static double calculateGain(Nonlinearity nl, double param) {
        switch (nl) {
            case LINEAR:
            case SIGMOID:
                return 1.0;
            case TANH:
                return 5.0 / 3;
            case RELU:
                return Math.sqrt(2.0);
            case LEAKY_RELU:
                return Math.sqrt(2.0 / (1 + param * param));
            case SELU:
                return 3.0 / 4;
            default:
                throw new IllegalArgumentException("unsupported nonlinearity " + nl);
        }
    }

    /** U(a, b) in place. */
    public static void uniform(float[] w, double a, double b, SplittableRandom rng) {
        if (!(a <= b)) {
            throw new IllegalArgumentException("uniform: need a <= b, got [" + a + ", " + b + "]");
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (a + (b - a) * rng.nextDouble());
        }
    }

    /** N(mean, std^2) in place. */
    public static void normal(float[] w, double mean, double std, SplittableRandom rng) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        }
        for (int i = 0; i < w.length; i += 2) {
            // Box-Muller: two independent N(0,1) from two uniforms; u1 in (0, 1] so log is finite
            double r = StrictMath.sqrt(-2 * StrictMath.log(1 - rng.nextDouble()));
            double phi = 2 * Math.PI * rng.nextDouble();
            w[i] = (float) (mean + std * r * StrictMath.cos(phi));
            if (i + 1 < w.length) {
                w[i + 1] = (float) (mean + std * r * StrictMath.sin(phi));
            }
        }
    }

    /** N(0, sigma^2): the paper's small Gaussian. */
    public static void normal(float[] w, double sigma, SplittableRandom rng) {
        normal(w, 0, sigma, rng);
    }

    public static void normal(Parameter p, double sigma, SplittableRandom rng) {
        normal(p.data(), 0, sigma, rng);
    }

    public static void xavierUniform(float[] w, int fanIn, int fanOut, double gain, SplittableRandom rng) {
        double a = gain * Math.sqrt(6.0 / checkFans(fanIn, fanOut));
        uniform(w, -a, a, rng);
    }

    public static void xavierUniform(Parameter p, int fanIn, int fanOut, double gain, SplittableRandom rng) {
        xavierUniform(p.data(), fanIn, fanOut, gain, rng);
    }

    public static void xavierNormal(float[] w, int fanIn, int fanOut, double gain, SplittableRandom rng) {
        normal(w, 0, gain * Math.sqrt(2.0 / checkFans(fanIn, fanOut)), rng);
    }

    public static void xavierNormal(Parameter p, int fanIn, int fanOut, double gain, SplittableRandom rng) {
        xavierNormal(p.data(), fanIn, fanOut, gain, rng);
    }

    /**
     * kaiming_uniform_ with gain {@code calculateGain(nl, a)} ({@code a} the leaky_relu slope;
     * PyTorch's defaults are a = 0, FAN_IN, LEAKY_RELU, i.e. gain sqrt(2)).
     */
    public static void kaimingUniform(float[] w, int fanIn, int fanOut, FanMode mode, Nonlinearity nl, double a,
                                      SplittableRandom rng) {
        double bound = Math.sqrt(3.0) * calculateGain(nl, a) / Math.sqrt(fan(fanIn, fanOut, mode));
        uniform(w, -bound, bound, rng);
    }

    public static void kaimingUniform(Parameter p, int fanIn, int fanOut, FanMode mode, Nonlinearity nl, double a,
                                      SplittableRandom rng) {
        kaimingUniform(p.data(), fanIn, fanOut, mode, nl, a, rng);
    }

    public static void kaimingNormal(float[] w, int fanIn, int fanOut, FanMode mode, Nonlinearity nl, double a,
                                     SplittableRandom rng) {
        normal(w, 0, calculateGain(nl, a) / Math.sqrt(fan(fanIn, fanOut, mode)), rng);
    }

    public static void kaimingNormal(Parameter p, int fanIn, int fanOut, FanMode mode, Nonlinearity nl, double a,
                                     SplittableRandom rng) {
        kaimingNormal(p.data(), fanIn, fanOut, mode, nl, a, rng);
    }

    /**
     * PyTorch's default for nn.Linear / nn.Conv*: weight kaiming_uniform_(a = sqrt(5)), i.e.
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias (may be null) U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    public static void linearDefault(Parameter weight, Parameter bias, int fanIn, SplittableRandom rng) {
        if (fanIn <= 0) {
            throw new IllegalArgumentException("fan_in must be > 0, got " + fanIn);
        }
        // kaiming_uniform_(a = sqrt(5)) has gain sqrt(1/3), so its bound gain * sqrt(3 / fan_in) is 1/sqrt(fan_in)
        double bound = 1 / Math.sqrt(fanIn);
        symmetricUniform(weight.data(), bound, rng);
        if (bias != null) {
            symmetricUniform(bias.data(), bound, rng);
        }
    }

    /** w ~ U(-bound, bound), drawn as (2u - 1) * bound, weight first then bias (the layers' order). */
    private static void symmetricUniform(float[] w, double bound, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rng.nextDouble() * 2.0 - 1.0) * bound);
        }
    }

    private static int checkFans(int fanIn, int fanOut) {
        if (fanIn <= 0 || fanOut <= 0) {
            throw new IllegalArgumentException("fan_in and fan_out must be > 0, got " + fanIn + ", " + fanOut);
        }
        return fanIn + fanOut;
    }

    private static int fan(int fanIn, int fanOut, FanMode mode) {
        int f = mode == FanMode.FAN_IN ? fanIn : fanOut;
        if (f <= 0) {
            throw new IllegalArgumentException(mode + " must be > 0, got " + f);
        }
        return f;
    }
}
