package org.bnlab.data;

/**
 * The contents of an IDX image file: {@code count} images of {@code rows x cols} unsigned bytes,
 * stored row-major in {@code pixels} (shape [count, rows, cols]; read a pixel as
 * {@code pixels[i] & 0xFF}). The array is live, not copied.
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

    public IdxImages {
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("IdxImages: need count >= 0 and rows, cols > 0, got count=" + count
                    + " rows=" + rows + " cols=" + cols);
        }
        if (pixels == null || (long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("IdxImages: " + count + " x " + rows + " x " + cols + " images need "
                    + (long) count * rows * cols + " bytes, pixels has " + (pixels == null ? "none" : pixels.length));
        }
    }
}
