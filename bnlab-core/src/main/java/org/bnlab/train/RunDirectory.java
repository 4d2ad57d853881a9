package org.bnlab.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.bnlab.nn.StateDict;

/**
 * A training run's directory, always resumable: checkpoints are written as one unit, so a crash, a
 * kill or a full disk at any instant leaves the previous complete checkpoint loadable.
 *
 * <pre>
 * DIR/checkpoints/step-000000001000/model.safetensors     the model's state_dict (PyTorch reads it)
 * DIR/checkpoints/step-000000001000/optimizer.safetensors the trainer's state, bound to the model by SHA-256
 * DIR/checkpoints/latest                                  "step-000000001000": the current checkpoint
 * </pre>
 *
 * <p>Protocol of {@link #save}: both files are written into a hidden temporary directory
 * ({@code .tmp-...}) with fsync, the directory is renamed to its final name, then {@code latest} is
 * replaced atomically ({@link AtomicFile}). Until that last rename, {@code latest} names the previous
 * checkpoint, which is deleted only afterwards; the two newest are kept. A crash leaves at most a
 * temporary directory or an unreferenced step directory, which {@link #open} removes.
 */
public final class RunDirectory {

    public static final String CHECKPOINTS = "checkpoints";
    public static final String LATEST = "latest";
    private static final String TMP_PREFIX = ".tmp-";
    private static final int KEEP = 2;

    private final Path dir;
    private final Path checkpoints;

    private RunDirectory(Path dir) {
        this.dir = dir;
        this.checkpoints = dir.resolve(CHECKPOINTS);
    }

    /**
     * Opens (creating if needed) the run directory {@code dir} and removes what an interrupted save
     * left behind.
     *
     * @throws IOException naming {@code dir} if it is not a writable directory
     */
    public static RunDirectory open(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": is not a directory (the run directory must be a directory)");
        }
        try {
            Files.createDirectories(dir.resolve(CHECKPOINTS));
        } catch (IOException e) {
            throw new IOException(dir + ": cannot create the run directory: " + describe(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw new IOException(dir + ": the run directory is not writable");
        }
        RunDirectory run = new RunDirectory(dir);
        run.cleanUp();
        return run;
    }

    /** True if {@code dir} holds a run checkpoint ({@code checkpoints/latest}). */
    public static boolean isRunDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(CHECKPOINTS).resolve(LATEST));
    }

    public Path path() {
        return dir;
    }

    /** The current checkpoint's directory, or null if none was saved yet. */
    public Path latest() throws IOException {
        return latest(dir);
    }

    /** The current checkpoint directory of the run in {@code dir}, or null if it has none. */
    public static Path latest(Path dir) throws IOException {
        Path pointer = dir.resolve(CHECKPOINTS).resolve(LATEST);
        String name;
        try {
            name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!name.matches("step-\\d+(-\\d+)?")) {
            throw new IOException(pointer + ": does not name a checkpoint (got '" + name + "')");
        }
        Path ckpt = dir.resolve(CHECKPOINTS).resolve(name);
        if (!Files.isDirectory(ckpt)) {
            throw new IOException(pointer + ": names " + name + ", which does not exist");
        }
        return ckpt;
    }

    /**
     * The model file a user means by {@code path}: the file itself, or for a directory its final
     * {@value Checkpoint#MODEL_FILE}, else its current checkpoint's model file.
     *
     * @throws IOException naming the path when there is no such file
     */
    public static Path modelFile(Path path) throws IOException {
        Path file = path;
        if (Files.isDirectory(path)) {
            Path latest = latest(path);
            file = Files.exists(path.resolve(Checkpoint.MODEL_FILE)) || latest == null
                    ? path.resolve(Checkpoint.MODEL_FILE) : latest.resolve(Checkpoint.MODEL_FILE);
        }
        if (!Files.exists(file)) {
            throw new IOException("no checkpoint at " + file);
        }
        return file;
    }

    /** Loads the current checkpoint (model and trainer state). */
    public static Checkpoint.Loaded loadLatest(Path dir) throws IOException {
        Path ckpt = latest(dir);
        if (ckpt == null) {
            throw new IOException(dir + ": has no checkpoint (" + CHECKPOINTS + "/" + LATEST + " is missing)");
        }
        return Checkpoint.load(ckpt);
    }

    /**
     * Saves a checkpoint of step {@code step} as one unit (see the class comment) and makes it the
     * current one. On any failure (a full disk, say) the temporary files are removed, the current
     * checkpoint is unchanged, and the IOException names the path and the reason.
     *
     * @return the new checkpoint's directory
     */
    public Path save(long step, StateDict model, StateDict trainer, Map<String, String> metadata) throws IOException {
        String name = uniqueName(step);
        Path tmp = checkpoints.resolve(TMP_PREFIX + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Path target = checkpoints.resolve(name);
        try {
            Files.createDirectory(tmp);
            Checkpoint.save(tmp, model, trainer, metadata);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.write(checkpoints.resolve(LATEST), out -> out.write((name + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            deleteTree(tmp);
            throw new IOException(checkpoints + ": could not save the checkpoint of step " + step + ": " + describe(e)
                    + " (the previous checkpoint is intact)", e);
        }
        prune(name);
        return target;
    }

    private String uniqueName(long step) {
        String base = String.format("step-%012d", step);
        String name = base;
        for (int k = 1; Files.exists(checkpoints.resolve(name)); k++) {
            name = base + "-" + k;
        }
        return name;
    }

    /** Deletes step directories older than the {@value #KEEP} newest, never the current one. */
    private void prune(String current) throws IOException {
        List<Path> steps = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpoints, "step-*")) {
            ds.forEach(steps::add);
        }
        steps.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (int i = 0; i < steps.size() - KEEP; i++) {
            if (!steps.get(i).getFileName().toString().equals(current)) {
                deleteTree(steps.get(i));
            }
        }
    }

    /**
     * Removes temporary directories and files of interrupted saves, and step directories newer than
     * the current checkpoint (renamed into place, but the pointer was never updated).
     */
    private void cleanUp() throws IOException {
        Path current = latest();
        String currentName = current == null ? null : current.getFileName().toString();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpoints)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean orphanStep = n.startsWith("step-") && (currentName == null || n.compareTo(currentName) > 0);
                if (n.startsWith(TMP_PREFIX) || (n.startsWith(".") && n.endsWith(".tmp")) || orphanStep) {
                    deleteTree(p);
                }
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        String cls = e.getClass().getSimpleName();
        if (e instanceof java.nio.file.FileSystemException) {
            java.nio.file.FileSystemException fe = (java.nio.file.FileSystemException) e;
            return (fe.getFile() == null ? "" : fe.getFile() + ": ") + (fe.getReason() != null ? fe.getReason() : cls);
        }
        return m == null ? cls : m;
    }
}
