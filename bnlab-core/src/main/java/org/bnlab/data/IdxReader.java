package org.bnlab.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.bnlab.tensor.Shapes;

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
 *
 * <p>Untrusted input cannot exhaust memory or time: the declared size is computed exactly
 * ({@link Shapes}) and must fit a Java array and this JVM's heap before anything is read; the data
 * array grows only as bytes actually arrive, so a short file costs what it holds; no more than the
 * declared size is ever decompressed, plus at most {@value #TRAILING_LIMIT} bytes to report trailing
 * data; and for a file on disk a gzip stream must be able to hold the declared size at all (deflate
 * expands at most {@value #DEFLATE_MAX_RATIO}:1), so a gzip bomb behind a huge header is refused
 * before decompressing.
 *
 * <p>Exceptions, the only ones the readers throw: {@link IdxFormatException} for any malformed
 * content (including corrupt or truncated gzip data); {@link java.nio.file.NoSuchFileException} or
 * {@link java.nio.file.FileSystemException} for a path that is missing or not a regular file (a FIFO
 * is refused at once, never opened); another {@link IOException} when reading itself fails; and
 * IllegalArgumentException only for a bad {@code classes} argument.
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
    /** Deflate's largest expansion: one 258-byte match per 2 bits, i.e. about 1032:1 (zlib's figure). */
    static final long DEFLATE_MAX_RATIO = 1032;
    /** Trailing bytes counted for the error message; beyond this the message says "more than". */
    static final int TRAILING_LIMIT = 1 << 20;

    private IdxReader() {}

    /** Reads an image file [n, rows, cols]. */
    public static IdxImages readImages(Path file) throws IOException {
        long size = InputFiles.requireRegularFile(file);
        try (InputStream in = Files.newInputStream(file)) {
            int[] dims = new int[3];
            return images(readUnsignedBytes(in, file.toString(), IMAGES_MAGIC, dims, size), dims, file.toString());
        }
    }

    /** Reads an image file from a stream; {@code name} is used in error messages. Does not close {@code in}. */
    public static IdxImages readImages(InputStream in, String name) throws IOException {
        int[] dims = new int[3];
        return images(readUnsignedBytes(in, name, IMAGES_MAGIC, dims, -1), dims, name);
    }

    private static IdxImages images(byte[] data, int[] dims, String name) throws IdxFormatException {
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
        checkClasses(classes);
        long size = InputFiles.requireRegularFile(file);
        try (InputStream in = Files.newInputStream(file)) {
            return labels(readUnsignedBytes(in, file.toString(), LABELS_MAGIC, new int[1], size), file.toString(), classes);
        }
    }

    /** Reads a label file from a stream; {@code name} is used in error messages. Does not close {@code in}. */
    public static int[] readLabels(InputStream in, String name, int classes) throws IOException {
        checkClasses(classes);
        return labels(readUnsignedBytes(in, name, LABELS_MAGIC, new int[1], -1), name, classes);
    }

    private static void checkClasses(int classes) {
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be in 1..256 for unsigned-byte labels, got " + classes);
        }
    }

    private static int[] labels(byte[] data, String name, int classes) throws IdxFormatException {
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
     * declared sizes in {@code dims} (whose length is the expected dimension count). {@code fileSize}
     * is the size on disk, or -1 for a stream of unknown length.
     */
    private static byte[] readUnsignedBytes(InputStream raw, String name, int expectedMagic, int[] dims, long fileSize)
            throws IOException {
        InputStream in = maybeGunzip(raw, name);
        boolean gzip = in instanceof GZIPInputStream;
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
            for (int d = 0; d < ndim; d++) {
                dims[d] = readInt(in, name, "size of dimension " + d);
                if (dims[d] < 0) {
                    throw new IdxFormatException(name + ": size of dimension " + d + " is " + Integer.toUnsignedString(dims[d])
                            + ", too large");
                }
            }
            int total = declaredBytes(name, dims, gzip, fileSize);
            byte[] data = in.readNBytes(total); // grows as bytes arrive: a short file costs what it holds
            if (data.length < total) {
                throw new IdxFormatException(name + ": truncated: the header declares sizes " + Arrays.toString(dims)
                        + ", i.e. " + total + " bytes of data, but the file holds only " + data.length);
            }
            long extra = skipUpTo(in, TRAILING_LIMIT + 1L);
            if (extra > 0) {
                throw new IdxFormatException(name + ": " + (extra > TRAILING_LIMIT ? "more than " + TRAILING_LIMIT : extra)
                        + " bytes of trailing data after the " + total + " bytes the header declares (sizes "
                        + Arrays.toString(dims) + ")");
            }
            return data;
        } catch (EOFException | ZipException e) {
            // A gzip stream cut short or corrupted fails inside GZIPInputStream.
            throw new IdxFormatException(name + ": truncated or corrupt gzip data: " + reason(e), e);
        }
    }

    /**
     * The data size the header declares, refused before anything is read when it cannot be held: beyond
     * a Java array, beyond this JVM's heap, or (for a file on disk) more than its bytes could hold, raw
     * or gzip-compressed.
     */
    private static int declaredBytes(String name, int[] dims, boolean gzip, long fileSize) throws IdxFormatException {
        int total;
        try {
            total = Shapes.arrayLength(name + ": sizes", Arrays.stream(dims).asLongStream().toArray());
            // readNBytes holds the chunks read and their final copy: twice the data at its peak
            Shapes.checkHeap(name + ": sizes " + Arrays.toString(dims), 2L * total);
        } catch (IllegalArgumentException e) {
            throw new IdxFormatException(e.getMessage());
        }
        if (fileSize >= 0) {
            if (gzip && total > fileSize * DEFLATE_MAX_RATIO) {
                throw new IdxFormatException(name + ": the header declares sizes " + Arrays.toString(dims) + ", i.e. " + total
                        + " bytes of data, more than the " + fileSize + "-byte gzip file can hold (deflate expands at most "
                        + DEFLATE_MAX_RATIO + ":1); corrupt or a gzip bomb");
            }
            long held = fileSize - 4 - 4L * dims.length;
            if (!gzip && total > held) {
                throw new IdxFormatException(name + ": truncated: the header declares sizes " + Arrays.toString(dims) + ", i.e. "
                        + total + " bytes of data, but the file holds only " + held);
            }
        }
        return total;
    }

    /** Reads and discards up to {@code limit} bytes; returns how many there were. */
    private static long skipUpTo(InputStream in, long limit) throws IOException {
        byte[] buf = new byte[8192];
        long n = 0;
        for (int r; n < limit && (r = in.read(buf, 0, (int) Math.min(buf.length, limit - n))) > 0;) {
            n += r;
        }
        return n;
    }

    /** The exception's message, or what it means when it has none (an EOFException usually has none). */
    private static String reason(IOException e) {
        if (e.getMessage() != null) {
            return e.getMessage();
        }
        return e instanceof EOFException ? "unexpected end of the gzip stream" : e.getClass().getSimpleName();
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
                throw new IdxFormatException(name + ": truncated or corrupt gzip header: " + reason(e), e);
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
