package org.bnlab.data;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The check every reader of a user-named file runs before opening it: the path must be a regular
 * file. Opening a FIFO for reading blocks until some writer appears (a hang, not an error), a
 * directory fails later with a bare "Is a directory" that names no path, and a device can be endless.
 */
public final class InputFiles {

    private InputFiles() {
    }

    /**
     * Returns the size of {@code file} after checking that it is a regular file (symbolic links
     * followed). Otherwise a {@link NoSuchFileException} or {@link FileSystemException} whose message
     * is {@code "<file>: <reason>"}.
     */
    public static long requireRegularFile(Path file) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        if (a.isDirectory()) {
            throw new FileSystemException(file.toString(), null, "is a directory, expected a file");
        }
        if (!a.isRegularFile()) {
            throw new FileSystemException(file.toString(), null,
                    "is not a regular file (a FIFO, socket or device); refusing to read it");
        }
        return a.size();
    }
}
