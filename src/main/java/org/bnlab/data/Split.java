package org.bnlab.data;

/**
 * One split (train or test) of an image classification dataset: {@code size()} images of
 * {@code rows x cols} float pixels, flattened row-major into {@code images} (shape [n, rows*cols]),
 * and their class labels. Arrays are live, not copied.
 */
public record Split(float[] images, int[] labels, int rows, int cols) {

    public Split {
        if (images == null || labels == null) {
            throw new IllegalArgumentException("Split: images and labels must be non-null");
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("Split: rows and cols must be positive, got " + rows + " x " + cols);
        }
        if ((long) labels.length * rows * cols != images.length) {
            throw new IllegalArgumentException("Split: " + labels.length + " labels need " + (long) labels.length * rows * cols
                    + " pixels of " + rows + " x " + cols + " images, images has " + images.length);
        }
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Pixels per image, {@code rows * cols}. */
    public int features() {
        return rows * cols;
    }
}
