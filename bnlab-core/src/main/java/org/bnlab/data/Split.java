package org.bnlab.data;

import java.util.Arrays;

/**
 * One split (train or test) of an image classification dataset: {@code size()} examples of
 * {@code channels x rows x cols} float values, flattened channels-first (row-major) into
 * {@code images} (shape [n, channels, rows, cols]), and their class labels. Arrays are live, not copied.
 *
 * <p>Data that is not an image is a split with {@code rows = cols = 1}: an [n, features] table is
 * {@code Split.of(x, labels, features)}.
 */
public record Split(float[] images, int[] labels, int channels, int rows, int cols) {

    public Split {
        if (images == null || labels == null) {
            throw new IllegalArgumentException("Split: images and labels must be non-null");
        }
        if (channels <= 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("Split: channels, rows and cols must be positive, got "
                    + channels + " x " + rows + " x " + cols);
        }
        long features = (long) channels * rows * cols;
        if (features > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Split: " + channels + " x " + rows + " x " + cols + " values per example exceed 2^31 - 1");
        }
        if ((long) labels.length * features != images.length) {
            throw new IllegalArgumentException("Split: " + labels.length + " labels need " + (long) labels.length * features
                    + " values of " + channels + " x " + rows + " x " + cols + " examples, images has " + images.length);
        }
    }

    /** A single-channel split of {@code rows x cols} images (MNIST-like data). */
    public Split(float[] images, int[] labels, int rows, int cols) {
        this(images, labels, 1, rows, cols);
    }

    /**
     * A split of in-memory data with the per-example shape {@code shape}: {@code [C, H, W]} for images,
     * {@code [H, W]} for one channel, {@code [F]} for a feature vector.
     *
     * @throws IllegalArgumentException if the shape has another rank or does not match the arrays
     */
    public static Split of(float[] images, int[] labels, int... shape) {
        switch (shape.length) {
            case 1:
                return new Split(images, labels, shape[0], 1, 1);
            case 2:
                return new Split(images, labels, 1, shape[0], shape[1]);
            case 3:
                return new Split(images, labels, shape[0], shape[1], shape[2]);
            default:
                throw new IllegalArgumentException("Split.of: the example shape must be [C, H, W], [H, W] or [F], got "
                        + Arrays.toString(shape));
        }
    }

    public int size() {
        return labels.length;
    }

    /** Values per example, {@code channels * rows * cols}. */
    public int features() {
        return channels * rows * cols;
    }

    /** The shape of one example, {@code [channels, rows, cols]}. */
    public int[] exampleShape() {
        return new int[] {channels, rows, cols};
    }

    /** True if {@code other} has examples of the same shape. */
    public boolean sameExampleShape(Split other) {
        return channels == other.channels && rows == other.rows && cols == other.cols;
    }
}
