package org.bnlab.tensor;

import java.util.Arrays;

/**
 * A contiguous, row-major float32 tensor: a flat {@code float[]} and a shape.
 *
 * <p>The data array is live (no defensive copy), exactly like the flat buffers of llm.c: kernels and
 * layers read and write it directly. The shape is fixed at construction. Shapes follow PyTorch's
 * conventions: dense input is [N, C], convolutional input is [N, C, H, W] (channels-first).
 */
public final class Tensor {
    private final float[] data;
    private final int[] shape;

    private Tensor(float[] data, int[] shape) {
        this.data = data;
        this.shape = shape;
    }

    /** Wraps {@code data} (not copied) with the given shape; the length must equal the product of the shape. */
    public static Tensor of(float[] data, int... shape) {
        if (data == null) {
            throw new IllegalArgumentException("Tensor.of: data is null");
        }
        long n = Shapes.numel("Tensor.of", shape);
        if (n != data.length) {
            throw new IllegalArgumentException("Tensor.of: shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but data has " + data.length);
        }
        return new Tensor(data, shape.clone());
    }

    /** A new zero-filled tensor; a shape beyond a Java array's length is an IllegalArgumentException. */
    public static Tensor zeros(int... shape) {
        long n = Shapes.numel("Tensor.zeros", shape);
        if (n > Shapes.MAX_ARRAY) {
            throw new IllegalArgumentException("Tensor.zeros: shape " + Arrays.toString(shape) + " has " + n
                    + " elements, more than a Java array can hold");
        }
        return new Tensor(new float[(int) n], shape.clone());
    }

    /** Exact product of the dimensions (see {@link Shapes#numel(String, int[])}); rejects negative dimensions and overflow. */
    public static long numel(int... shape) {
        return Shapes.numel("shape", shape);
    }

    /** The live data array. */
    public float[] data() {
        return data;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end, as in PyTorch. */
    public int size(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Number of dimensions. */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return data.length;
    }

    /** True when {@code other} is non-null and has exactly this tensor's shape. */
    public boolean sameShape(int... other) {
        return Arrays.equals(shape, other);
    }

    /** {@link #sameShape(int...)} for a 2-D shape without the varargs array (the layers' per-call checks). */
    public boolean sameShape(int d0, int d1) {
        return shape.length == 2 && shape[0] == d0 && shape[1] == d1;
    }

    /** {@link #sameShape(int...)} for a 4-D shape without the varargs array. */
    public boolean sameShape(int d0, int d1, int d2, int d3) {
        return shape.length == 4 && shape[0] == d0 && shape[1] == d1 && shape[2] == d2 && shape[3] == d3;
    }

    /** True when {@code other} has exactly this tensor's shape (no copy made: usable in hot paths). */
    public boolean sameShape(Tensor other) {
        return other != null && Arrays.equals(shape, other.shape);
    }

    /** A deep copy. */
    public Tensor copy() {
        return new Tensor(data.clone(), shape.clone());
    }

    /** The same data viewed with another shape of equal element count (no copy). */
    public Tensor reshape(int... newShape) {
        return of(data, newShape);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
