package org.bnlab.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
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
