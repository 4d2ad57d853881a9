package org.bnlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The output directory of a command, checked before any computation: a run of {@code bnlab paper}
 * takes minutes and must not end with "runs/x: already exists" because {@code --out} named a file.
 */
final class OutputDir {
    private OutputDir() {
    }

    /**
     * Creates {@code dir} if needed and checks that it is a directory this process can create files
     * in (by creating and deleting one, which also catches a read-only file system). Failures are an
     * IllegalArgumentException naming {@code option} and the path (a bad argument, exit 2), except an
     * I/O error while probing, which names the path (exit 1).
     */
    static Path prepare(Path dir, String option) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + " " + dir + ": exists and is not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot create the directory: " + ExitCodes.message(e), e);
        }
        Path probe;
        try {
            probe = Files.createTempFile(dir, ".bnlab-write-test", ".tmp");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + dir + ": cannot write in the directory: " + ExitCodes.message(e), e);
        }
        try {
            Files.delete(probe);
        } catch (IOException e) {
            throw ExitCodes.naming(probe, e);
        }
        return dir;
    }
}
