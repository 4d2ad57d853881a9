package org.bnlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path tmp;

    private static IdxImages sampleImages() {
        byte[] pixels = new byte[5 * 3 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37); // covers bytes >= 128, which must read back unsigned
        }
        return new IdxImages(5, 3, 4, pixels);
    }

    @Test
    void roundTripPlainAndGzip() throws IOException {
        IdxImages images = sampleImages();
        int[] labels = {0, 9, 3, 3, 7};
        for (String suffix : new String[] {"", ".gz"}) {
            Path img = tmp.resolve("img-idx3-ubyte" + suffix);
            Path lab = tmp.resolve("lab-idx1-ubyte" + suffix);
            IdxWriter.writeImages(img, images);
            IdxWriter.writeLabels(lab, labels);
            byte[] head = Files.readAllBytes(img);
            assertEquals(suffix.isEmpty(), head[0] == 0 && head[3] == 3, "gzip iff the name ends in .gz");

            IdxImages back = IdxReader.readImages(img);
            assertEquals(5, back.count());
            assertEquals(3, back.rows());
            assertEquals(4, back.cols());
            assertArrayEquals(images.pixels(), back.pixels());
            assertArrayEquals(labels, IdxReader.readLabels(lab, 10));
        }
    }

    @Test
    void gzipIsDetectedByContentNotName() throws IOException {
        Path gz = tmp.resolve("a.gz");
        IdxWriter.writeImages(gz, sampleImages());
        Path misnamed = tmp.resolve("images-without-suffix");
        Files.copy(gz, misnamed);
        assertArrayEquals(sampleImages().pixels(), IdxReader.readImages(misnamed).pixels());

        Path plain = tmp.resolve("plain");
        IdxWriter.writeImages(plain, sampleImages());
        Path plainNamedGz = tmp.resolve("plain-but-named.gz");
        Files.copy(plain, plainNamedGz);
        assertArrayEquals(sampleImages().pixels(), IdxReader.readImages(plainNamedGz).pixels());
    }

    @Test
    void headerBigEndian() throws IOException {
        Path f = tmp.resolve("x");
        IdxWriter.writeLabels(f, new int[] {1, 2});
        byte[] b = Files.readAllBytes(f);
        assertArrayEquals(new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 1, 2}, b);
    }

    // ---- malformed files ----

    private static byte[] idx(int magic, int[] dims, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(new byte[dataBytes]);
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static IdxFormatException expectImagesError(Path p, String... fragments) {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(p));
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        for (String s : fragments) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' should contain '" + s + "'");
        }
        return e;
    }

    @Test
    void badMagic() throws IOException {
        expectImagesError(write("bad-magic", idx(0x12345678, new int[] {1, 2, 2}, 4)), "bad magic number 0x12345678",
                "0x00000803");
        // float element type (0x0D) is valid IDX but not what MNIST uses
        expectImagesError(write("float", idx(0x00000D03, new int[] {1, 2, 2}, 16)), "bad magic number 0x00000D03");
    }

    @Test
    void wrongDimensionCount() throws IOException {
        Path labelsAsImages = write("labels", idx(IdxReader.LABELS_MAGIC, new int[] {4}, 4));
        expectImagesError(labelsAsImages, "wrong dimension count 1", "label file");
        Path imagesAsLabels = write("images", idx(IdxReader.IMAGES_MAGIC, new int[] {1, 2, 2}, 4));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(imagesAsLabels, 10));
        assertTrue(e.getMessage().contains("wrong dimension count 3") && e.getMessage().contains("image file"), e.getMessage());
    }

    @Test
    void truncated() throws IOException {
        expectImagesError(write("short-data", idx(IdxReader.IMAGES_MAGIC, new int[] {2, 2, 2}, 7)), "truncated",
                "8 bytes of data", "only 7");
        byte[] full = idx(IdxReader.IMAGES_MAGIC, new int[] {2, 2, 2}, 8);
        expectImagesError(write("short-header", Arrays.copyOf(full, 10)), "truncated", "size of dimension 1");
        expectImagesError(write("empty", new byte[0]), "empty file");
    }

    @Test
    void truncatedGzip() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            byte[] data = idx(IdxReader.IMAGES_MAGIC, new int[] {10, 28, 28}, 7840);
            new java.util.Random(1).nextBytes(data); // incompressible, so a cut loses image data
            System.arraycopy(idx(IdxReader.IMAGES_MAGIC, new int[] {10, 28, 28}, 0), 0, data, 0, 16);
            gz.write(data);
        }
        byte[] gz = bytes.toByteArray();
        expectImagesError(write("cut.gz", Arrays.copyOf(gz, gz.length / 2)), "truncated");
    }

    @Test
    void trailingGarbage() throws IOException {
        expectImagesError(write("trailing", idx(IdxReader.IMAGES_MAGIC, new int[] {2, 2, 2}, 11)),
                "3 bytes of trailing data", "8 bytes");
    }

    @Test
    void labelsOutOfRange() throws IOException {
        Path f = tmp.resolve("labels");
        IdxWriter.writeLabels(f, new int[] {0, 9, 10, 1});
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(f, 10));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("label 10 at index 2 is outside 0..9"),
                e.getMessage());
        assertArrayEquals(new int[] {0, 9, 10, 1}, IdxReader.readLabels(f, 11), "fine with 11 declared classes");
        Path big = tmp.resolve("big");
        IdxWriter.writeLabels(big, new int[] {255});
        assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(big, 10));
    }

    @Test
    void zeroSizedImages() throws IOException {
        expectImagesError(write("zero-rows", idx(IdxReader.IMAGES_MAGIC, new int[] {3, 0, 28}, 0)), "must be positive");
    }
}
