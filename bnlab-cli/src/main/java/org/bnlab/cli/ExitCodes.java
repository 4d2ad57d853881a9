package org.bnlab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.bnlab.train.DivergedException;

/**
 * The exit codes of {@code bnlab} and the one-line message printed for each failure.
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><td>{@value #OK}</td><td>success</td></tr>
 *   <tr><td>{@value #IO_OR_DATA}</td><td>a file could not be read or written, or its content is invalid
 *       (corrupt checkpoint, malformed IDX file, empty data split, full disk)</td></tr>
 *   <tr><td>{@value #BAD_ARGUMENTS}</td><td>a bad option or value: fix the command line</td></tr>
 *   <tr><td>{@value #DIVERGED}</td><td>training diverged (non-finite loss)</td></tr>
 * </table>
 * Every message names the file or option and the reason.
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int IO_OR_DATA = 1;
    public static final int BAD_ARGUMENTS = 2;
    public static final int DIVERGED = 3;

    private ExitCodes() {
    }

    /** The exit code for a failure, or -1 when it is a bug (not ours to map: let it propagate). */
    static int of(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return BAD_ARGUMENTS;
        }
        if (e instanceof DivergedException) {
            return DIVERGED;
        }
        if (e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalStateException) {
            return IO_OR_DATA;
        }
        return -1;
    }

    /**
     * The message for {@code e}, naming the file: a {@link FileSystemException} whose reason is null
     * (createDirectories on a file throws one whose whole message is the path) gets the reason its
     * type stands for.
     */
    static String message(Throwable e) {
        if (e instanceof UncheckedIOException u) {
            return message(u.getCause());
        }
        if (e instanceof FileSystemException f) {
            String reason = f.getReason() != null ? f.getReason()
                    : f instanceof FileAlreadyExistsException ? "already exists"
                    : f instanceof NoSuchFileException ? "no such file or directory"
                    : f instanceof AccessDeniedException ? "permission denied"
                    : f instanceof NotDirectoryException ? "not a directory"
                    : f instanceof DirectoryNotEmptyException ? "directory not empty"
                    : f.getClass().getSimpleName();
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * {@code e} with {@code path} in its message. The JDK reports a full disk or reading a directory as
     * a bare "No space left on device" / "Is a directory": without the path the user cannot act.
     */
    static IOException naming(Path path, IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return e;
        }
        return new IOException(path + ": " + message(e), e);
    }
}
