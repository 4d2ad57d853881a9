package org.bnlab.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnlab.nn.Module;
import org.bnlab.nn.StateDict;

/**
 * A checkpoint directory of two safetensors files.
 *
 * <ul>
 *   <li>{@value #MODEL_FILE}: the model's state_dict and nothing else, under PyTorch's names, so that
 *       {@code model.load_state_dict(load_file("model.safetensors"), strict=True)} works unchanged.
 *       Metadata: {@value #FORMAT}={@code pt} (as PyTorch-saved safetensors), and by convention
 *       {@value #MODEL_KEY} (architecture, JSON) and {@value #CONFIG_KEY} (training config, JSON).</li>
 *   <li>{@value #TRAINER_FILE}: what an exact resume needs beyond the model, kept out of the model file
 *       because strict loading rejects unexpected keys. Names: {@code optim.<param>.<buffer>} (e.g.
 *       {@code optim.0.weight.momentum_buffer}), {@code optim.step}, {@code rng.state} (I64) and
 *       {@code trainer.step} / {@code trainer.epoch} (I64 scalars). Optional: absent for an export.</li>
 * </ul>
 *
 * <p>Each file is written atomically, but two files cannot be replaced in one step. The model file is
 * written first and the trainer file records its SHA-256 ({@value #MODEL_SHA256}); {@link #load}
 * refuses a pair whose hashes differ, so a crash between the two writes gives a clear error on resume
 * instead of a model silently paired with another step's optimizer state.
 */
public final class Checkpoint {

    public static final String MODEL_FILE = "model.safetensors";
    public static final String TRAINER_FILE = "optimizer.safetensors";

    public static final String FORMAT = "format";
    public static final String MODEL_KEY = "bnlab.model";
    public static final String CONFIG_KEY = "bnlab.config";
    public static final String MODEL_SHA256 = "bnlab.model_sha256";

    /** A loaded checkpoint; {@code trainer} is null when the directory has no {@value #TRAINER_FILE}. */
    public record Loaded(StateDict model, StateDict trainer, Map<String, String> metadata) {
    }

    private Checkpoint() {
    }

    /**
     * Writes {@code model} (with {@code format=pt} plus {@code metadata}) and, unless it is null,
     * {@code trainer} into {@code dir}, creating it if needed. Saving without trainer state removes a
     * stale trainer file left by an earlier save.
     */
    public static void save(Path dir, StateDict model, StateDict trainer, Map<String, String> metadata)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT, "pt");
        meta.putAll(metadata);
        Path modelFile = dir.resolve(MODEL_FILE);
        Safetensors.save(modelFile, model, meta);
        Path trainerFile = dir.resolve(TRAINER_FILE);
        if (trainer == null) {
            Files.deleteIfExists(trainerFile);
        } else {
            Safetensors.save(trainerFile, trainer, Map.of(FORMAT, "pt", MODEL_SHA256, sha256(modelFile)));
        }
    }

    /**
     * Saves {@code model}'s state_dict to one safetensors file (atomically), with {@code format=pt}
     * and {@code metadata}: the file PyTorch's {@code load_state_dict(strict=True)} reads.
     */
    public static void saveModel(Path file, Module model, Map<String, String> metadata) throws IOException {
        StateDict sd = new StateDict();
        model.stateDict("", sd);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT, "pt");
        meta.putAll(metadata);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Safetensors.save(file, sd, meta);
    }

    /** {@link #saveModel(Path, Module, Map)} without metadata. */
    public static void saveModel(Path file, Module model) throws IOException {
        saveModel(file, model, Map.of());
    }

    /**
     * Loads a safetensors state_dict into {@code model}, which must have exactly the file's tensors
     * with the same shapes: anything missing, unexpected or of another shape is an
     * IllegalArgumentException naming the file and every difference, thrown before the model is changed.
     *
     * @return the file's metadata
     */
    public static Map<String, String> loadModel(Path file, Module model) throws IOException {
        Safetensors.Loaded loaded = Safetensors.load(file);
        checkArchitecture(file, loaded.stateDict(), model);
        model.loadStateDict("", loaded.stateDict());
        return loaded.metadata();
    }

    /**
     * Throws an IllegalArgumentException naming {@code source} and every difference if {@code sd}
     * does not have exactly the model's tensor names, shapes and types.
     */
    public static void checkModel(Path source, StateDict sd, Module model) {
        checkArchitecture(source, sd, model);
    }

    private static void checkArchitecture(Path file, StateDict sd, Module model) {
        StateDict expected = new StateDict();
        model.stateDict("", expected);
        List<String> diffs = new ArrayList<>();
        for (var e : expected.entries().entrySet()) {
            StateDict.Entry got = sd.entries().get(e.getKey());
            if (got == null) {
                diffs.add("missing " + e.getKey() + " " + Arrays.toString(e.getValue().shape()));
            } else if (!Arrays.equals(got.shape(), e.getValue().shape())) {
                diffs.add(e.getKey() + " is " + Arrays.toString(got.shape()) + " in the file but "
                        + Arrays.toString(e.getValue().shape()) + " in the model");
            } else if ((got.f32() == null) != (e.getValue().f32() == null)) {
                diffs.add(e.getKey() + " is " + (got.f32() == null ? "int64" : "float32") + " in the file but "
                        + (e.getValue().f32() == null ? "int64" : "float32") + " in the model");
            }
        }
        for (String name : sd.entries().keySet()) {
            if (!expected.contains(name)) {
                diffs.add("unexpected " + name + " " + Arrays.toString(sd.entries().get(name).shape()));
            }
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException(file + " does not match the model (" + diffs.size() + " difference"
                    + (diffs.size() == 1 ? "" : "s") + "): " + String.join("; ", diffs));
        }
    }

    /** Loads {@code dir}; a trainer file that does not belong to the model file is a FormatException. */
    public static Loaded load(Path dir) throws IOException {
        Path modelFile = dir.resolve(MODEL_FILE);
        Safetensors.Loaded model = Safetensors.load(modelFile);
        Path trainerFile = dir.resolve(TRAINER_FILE);
        if (!Files.exists(trainerFile)) {
            return new Loaded(model.stateDict(), null, model.metadata());
        }
        Safetensors.Loaded trainer = Safetensors.load(trainerFile);
        String expected = trainer.metadata().get(MODEL_SHA256);
        String actual = sha256(modelFile);
        if (!actual.equals(expected)) {
            throw new Safetensors.FormatException(trainerFile, "belongs to a model file with SHA-256 " + expected
                    + " but " + MODEL_FILE + " has " + actual + " (a save was interrupted between the two files?)");
        }
        return new Loaded(model.stateDict(), trainer.stateDict(), model.metadata());
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0;) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
