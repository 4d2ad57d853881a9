package org.bnlab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.bnlab.testing.Bounded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Untrusted IDX input: bounded memory and time, a clear error naming the file. */
class IdxReaderLimitsTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    static byte[] header(int magic, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    static byte[] gzip(byte[] head, long zeros) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(head);
            byte[] block = new byte[1 << 16];
            for (long left = zeros; left > 0; left -= block.length) {
                gz.write(block, 0, (int) Math.min(block.length, left));
            }
        }
        return bytes.toByteArray();
    }

    static IdxFormatException readFails(String what, java.util.concurrent.Callable<?> read, long maxBytes) throws Exception {
        Bounded.Outcome o = Bounded.run(LIMIT, what, read);
        IdxFormatException e = assertInstanceOf(IdxFormatException.class, o.thrown(), what);
        assertTrue(o.allocatedBytes() < maxBytes, what + ": allocated " + o.allocatedBytes() + " bytes, bound " + maxBytes);
        return e;
    }

    @Test
    void aGzipBombBehindAHugeHeaderIsRefusedBeforeDecompressing() throws Exception {
        // 200 MB declared (and delivered) by a ~200 KB file: more than deflate's 1032:1 could hold
        Path bomb = Files.write(tmp.resolve("bomb.gz"), gzip(header(IdxReader.IMAGES_MAGIC, 2000, 100_000, 1), 10_000));
        IdxFormatException e = readFails("bomb", () -> IdxReader.readImages(bomb), 4 << 20);
        assertTrue(e.getMessage().startsWith(bomb + ": the header declares sizes [2000, 100000, 1]"), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt or a gzip bomb"), e.getMessage());
    }

    @Test
    void trailingDataIsReadOnlyUpToABound() throws Exception {
        byte[] head = header(IdxReader.LABELS_MAGIC, 1);
        byte[] bomb = gzip(head, 64L << 20); // 64 MB of zeros after one label: ~64 KB compressed
        IdxFormatException e = readFails("trailing", () -> IdxReader.readLabels(new ByteArrayInputStream(bomb), "t.gz", 10), 8 << 20);
        assertEquals("t.gz: more than 1048576 bytes of trailing data after the 1 bytes the header declares (sizes [1])",
                e.getMessage());
    }

    @Test
    void aHugeDeclaredSizeCostsOnlyTheBytesThatArrive() throws Exception {
        byte[] head = header(IdxReader.IMAGES_MAGIC, 10_000, 300, 300); // 900 MB declared
        byte[] file = java.util.Arrays.copyOf(head, head.length + 1000);
        IdxFormatException e = readFails("declared", () -> IdxReader.readImages(new ByteArrayInputStream(file), "s"), 4 << 20);
        assertTrue(e.getMessage().startsWith("s: truncated"), e.getMessage());
        byte[] labels = header(IdxReader.LABELS_MAGIC, Integer.MAX_VALUE);
        e = readFails("beyond an array", () -> IdxReader.readLabels(new ByteArrayInputStream(labels), "l", 10), 1 << 20);
        assertTrue(e.getMessage().contains("more than the 2147483639 a Java array can hold"), e.getMessage());
    }

    @Test
    void aCutGzipHeaderNamesTheFileAndTheReason() throws Exception {
        Path cut = Files.write(tmp.resolve("cut.gz"), new byte[] {0x1f, (byte) 0x8b});
        IdxFormatException e = readFails("cut", () -> IdxReader.readImages(cut), 1 << 20);
        assertEquals(cut + ": truncated or corrupt gzip header: unexpected end of the gzip stream", e.getMessage());
        assertFalse(e.getMessage().contains("null"));
    }

    @Test
    void directoriesAndFifosAreRefusedWithoutOpening() throws Exception {
        Bounded.Outcome dir = Bounded.run(LIMIT, "directory", () -> IdxReader.readImages(tmp));
        assertInstanceOf(FileSystemException.class, dir.thrown());
        assertEquals(tmp + ": is a directory, expected a file", dir.thrown().getMessage());
        Path fifo = tmp.resolve("fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo unavailable");
        Bounded.Outcome f = Bounded.run(LIMIT, "fifo", () -> IdxReader.readLabels(fifo, 10)); // opening would block forever
        assertInstanceOf(FileSystemException.class, f.thrown());
        assertTrue(f.thrown().getMessage().startsWith(fifo + ": is not a regular file"), f.thrown().getMessage());
    }
}
