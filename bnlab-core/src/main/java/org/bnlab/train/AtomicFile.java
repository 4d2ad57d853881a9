package org.bnlab.train;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the complete new
 * content, never a torn mix: checkpoints, run configs, reports.
 *
 * <p>Protocol: write a hidden temporary file in the target's directory (same file system, so the
 * rename can be atomic), {@code fsync} it, rename it over the target with {@code ATOMIC_MOVE}
 * (falling back to {@code REPLACE_EXISTING} where the file system cannot do that), then {@code fsync}
 * the directory so the rename itself survives a power loss. Without the first fsync the rename could
 * reach the disk before the data and leave an empty file behind the target name after a crash. If the
 * body throws, the temporary file is deleted and the target is untouched.
 */
public final class AtomicFile {

    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes everything to {@code out}. Closing {@code out} is allowed (it only flushes), so
         * writers that close their target, such as Jackson's, can be used directly.
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces {@code target} with what {@code body} writes, atomically; see the class comment. */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.writeTo(new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush();
                    }
                });
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
        fsyncDirectory(dir);
    }

    /** Best effort: Linux and macOS can fsync a directory; Windows cannot open one, and needs not. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // The rename is done; only its durability across a power loss is not guaranteed here.
        }
    }
}
