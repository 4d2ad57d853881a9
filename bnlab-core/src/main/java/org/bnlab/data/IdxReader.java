package org.bnlab.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files MNIST and Fashion-MNIST are distributed in, plain or gzip-compressed.
 *
 * <p>Format (LeCun et al., "THE MNIST DATABASE of handwritten digits"): a big-endian 32-bit magic
 * number {@code 0x0000TTDD} — two zero bytes, element type TT (0x08 = unsigned byte, the only type
 * read here) and dimension count DD — then DD big-endian 32-bit sizes, then the elements row-major.
 * Images are {@code 0x00000803} [n, rows, cols]; labels are {@code 0x00000801} [n].
 *
 * <p>Compression is detected from the gzip magic bytes {@code 1f 8b}, not from the file name. The
 * reader is strict: any deviation (bad magic, other dimension count, fewer or more data bytes than the
 * header declares, a label outside {@code 0..classes-1}) is an {@link IdxFormatException} whose
 * message names the file and the problem. Whole files are read into memory; the largest standard file
 * (60,000 28x28 images) is 47 MB.
 */
public final class IdxReader {

    /** Magic number of an unsigned-byte image file [n, rows, cols]. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte label file [n]. */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int UNSIGNED_BYTE = 0x08;
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int BUFFER = 1 << 16;
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private IdxReader() {}

    /** Reads an image file [n, rows, cols]. */
    public static IdxImages readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file.toString());
        }
    }

    /** Reads an image file from a stream; {@code name} is used in error messages. Does not close {@code in}. */
    public static IdxImages readImages(InputStream in, String name) throws IOException {
        int[] dims = new int[3];
        byte[] data = readUnsignedBytes(in, name, IMAGES_MAGIC, dims);
        if (dims[1] == 0 || dims[2] == 0) {
            throw new IdxFormatException(name + ": images of " + dims[1] + " x " + dims[2] + " pixels; rows and cols must be positive");
        }
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /**
     * Reads a label file [n] whose labels must lie in {@code 0..classes-1}.
     *
     * @return the labels as ints
     */
    public static int[] readLabels(Path file, int classes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString(), classes);
        }
    }

    /** Reads a label file from a stream; {@code name} is used in error messages. Does not close {@code in}. */
    public static int[] readLabels(InputStream in, String name, int classes) throws IOException {
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be in 1..256 for unsigned-byte labels, got " + classes);
        }
        byte[] data = readUnsignedBytes(in, name, LABELS_MAGIC, new int[1]);
        int[] labels = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            int label = data[i] & 0xFF;
            if (label >= classes) {
                throw new IdxFormatException(name + ": label " + label + " at index " + i + " is outside 0.." + (classes - 1));
            }
            labels[i] = label;
        }
        return labels;
    }

    /**
     * Reads header and data of an unsigned-byte IDX file with the given magic number, storing the
     * declared sizes in {@code dims} (whose length is the expected dimension count).
     */
    private static byte[] readUnsignedBytes(InputStream raw, String name, int expectedMagic, int[] dims) throws IOException {
        InputStream in = maybeGunzip(raw, name);
        try {
            int magic = readInt(in, name, "the magic number");
            if (magic >>> 8 != UNSIGNED_BYTE) {
                throw new IdxFormatException(String.format(
                        "%s: bad magic number 0x%08X; expected 0x%08X (an IDX file of unsigned bytes with %d dimension%s)",
                        name, magic, expectedMagic, dims.length, dims.length == 1 ? "" : "s"));
            }
            int ndim = magic & 0xFF;
            if (ndim != dims.length) {
                throw new IdxFormatException(String.format(
                        "%s: wrong dimension count %d (magic 0x%08X); expected %d (magic 0x%08X)%s",
                        name, ndim, magic, dims.length, expectedMagic,
                        ndim == 1 ? " — this looks like a label file" : ndim == 3 ? " — this looks like an image file" : ""));
            }
            long total = 1;
            for (int d = 0; d < ndim; d++) {
                dims[d] = readInt(in, name, "size of dimension " + d);
                if (dims[d] < 0) {
                    throw new IdxFormatException(name + ": size of dimension " + d + " is " + Integer.toUnsignedString(dims[d])
                            + ", too large");
                }
                total *= dims[d];
                if (total > MAX_ARRAY) {
                    throw new IdxFormatException(name + ": sizes " + Arrays.toString(dims) + " declare more than "
                            + MAX_ARRAY + " bytes of data");
                }
            }
            byte[] data = in.readNBytes((int) total);
            if (data.length < total) {
                throw new IdxFormatException(name + ": truncated: the header declares sizes " + Arrays.toString(dims)
                        + ", i.e. " + total + " bytes of data, but the file holds only " + data.length);
            }
            long extra = in.transferTo(OutputStream.nullOutputStream());
            if (extra > 0) {
                throw new IdxFormatException(name + ": " + extra + " bytes of trailing data after the " + total
                        + " bytes the header declares (sizes " + Arrays.toString(dims) + ")");
            }
            return data;
        } catch (EOFException | ZipException e) {
            // A gzip stream cut short or corrupted fails inside GZIPInputStream.
            throw new IdxFormatException(name + ": truncated or corrupt gzip data: " + e.getMessage(), e);
        }
    }

    /** Wraps {@code raw} in a gunzipping stream when it starts with the gzip magic bytes. */
    private static InputStream maybeGunzip(InputStream raw, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == -1) {
            throw new IdxFormatException(name + ": empty file");
        }
        if (b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1) {
            try {
                return new GZIPInputStream(in, BUFFER);
            } catch (EOFException | ZipException e) {
                throw new IdxFormatException(name + ": truncated or corrupt gzip header: " + e.getMessage(), e);
            }
        }
        return in;
    }

    private static int readInt(InputStream in, String name, String what) throws IOException {
        byte[] b = in.readNBytes(4);
        if (b.length < 4) {
            throw new IdxFormatException(name + ": truncated: the file ends inside " + what + " of the header");
        }
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }
}
