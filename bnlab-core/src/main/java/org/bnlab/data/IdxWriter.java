package org.bnlab.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes unsigned-byte IDX files in the format {@link IdxReader} reads. A file whose name ends in
 * {@code .gz} is gzip-compressed, any other is written plain.
 */
public final class IdxWriter {

    private IdxWriter() {}

    /** Writes an image file [count, rows, cols] (magic {@code 0x00000803}). */
    public static void writeImages(Path file, IdxImages images) throws IOException {
        try (DataOutputStream out = open(file)) {
            out.writeInt(IdxReader.IMAGES_MAGIC);
            out.writeInt(images.count());
            out.writeInt(images.rows());
            out.writeInt(images.cols());
            out.write(images.pixels());
        }
    }

    /** Writes a label file [n] (magic {@code 0x00000801}); every label must fit in an unsigned byte. */
    public static void writeLabels(Path file, int[] labels) throws IOException {
        byte[] bytes = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 255) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " does not fit in an unsigned byte");
            }
            bytes[i] = (byte) labels[i];
        }
        try (DataOutputStream out = open(file)) {
            out.writeInt(IdxReader.LABELS_MAGIC);
            out.writeInt(labels.length);
            out.write(bytes);
        }
    }

    private static DataOutputStream open(Path file) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        if (file.getFileName().toString().endsWith(".gz")) {
            out = new GZIPOutputStream(out, 1 << 16);
        }
        return new DataOutputStream(out);
    }
}
