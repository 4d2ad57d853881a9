package org.bnlab.nn;

/**
 * A learnable tensor and its gradient, both live flat arrays of equal length.
 *
 * <p>{@code name} is the PyTorch attribute name relative to the owning module ({@code weight},
 * {@code bias}); containers prefix it ({@code 0.weight}) exactly as {@code state_dict()} does.
 * Gradients accumulate ({@code +=}) in backward; {@link #zeroGrad()} clears them.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private final float[] data;
    private final float[] grad;

    public Parameter(String name, float[] data, float[] grad, int... shape) {
        if (data.length != grad.length) {
            throw new IllegalArgumentException("parameter " + name + ": data and grad lengths differ");
        }
        this.name = name;
        this.data = data;
        this.grad = grad;
        this.shape = shape.clone();
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public float[] data() {
        return data;
    }

    public float[] grad() {
        return grad;
    }

    public int numel() {
        return data.length;
    }

    public void zeroGrad() {
        java.util.Arrays.fill(grad, 0f);
    }
}
