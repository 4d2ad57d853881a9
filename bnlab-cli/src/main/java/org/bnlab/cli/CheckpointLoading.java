package org.bnlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Map;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Shapes;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.Json;
import org.bnlab.train.Models;
import org.bnlab.train.TrainConfig;

/**
 * Strict loading of a checkpoint by the commands: every problem of the file's content is an
 * IOException naming the file (exit 1), never a NullPointerException or a NaN loss three layers later.
 *
 * <ul>
 *   <li>the config ({@value Checkpoint#CONFIG_KEY}) must hold every field, nested ones included, and
 *       the records it holds must not be null (a config without {@code model} used to end in an NPE);</li>
 *   <li>the model it describes must be buildable from the weights the file holds (sizes are checked
 *       before allocating, see {@link Shapes#withParameterBudget}: metadata saying
 *       {@code hidden [1500000]} is an error, not an OutOfMemoryError);</li>
 *   <li>the state_dicts must match exactly ({@link StateDict#checkMatches}): every tensor expected and
 *       no other, dtypes, shapes, finite values; for the trainer file that includes every optimizer
 *       buffer (a missing momentum buffer is named).</li>
 * </ul>
 */
final class CheckpointLoading {
    private CheckpointLoading() {
    }

    /** The training config stored in {@code meta} of {@code file}. */
    static TrainConfig config(Map<String, String> meta, Path file) throws IOException {
        String json = meta.get(Checkpoint.CONFIG_KEY);
        if (json == null) {
            throw new IOException(file + ": checkpoint metadata has no '" + Checkpoint.CONFIG_KEY + "' (not written by bnlab train?)");
        }
        TrainConfig config;
        try {
            config = Json.MAPPER.readerFor(TrainConfig.class)
                    .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                    .readValue(withNormField(json));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": metadata '" + Checkpoint.CONFIG_KEY + "' is not a valid training config: "
                    + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) { // a record constructor's check, e.g. an unknown optimizer
            throw new IOException(file + ": metadata '" + Checkpoint.CONFIG_KEY + "': " + e.getMessage(), e);
        }
        requireNoNullRecords(config, Checkpoint.CONFIG_KEY, file);
        return config;
    }

    /**
     * A config written before {@code ModelSpec.norm} existed, with {@code "norm": null} added to its
     * model, which the spec reads as its {@code batchNorm} says ("batch" or "none"); any other JSON
     * unchanged. Every other field stays required.
     */
    private static String withNormField(String json) throws JsonProcessingException {
        JsonNode tree = Json.MAPPER.readTree(json);
        if (tree instanceof ObjectNode o && o.get("model") instanceof ObjectNode m && !m.has("norm")) {
            m.putNull("norm");
            return Json.MAPPER.writeValueAsString(o);
        }
        return json;
    }

    /**
     * Builds the model {@code config} describes, with no more weight elements than {@code sd} (the
     * file's tensors) holds: sizes it cannot hold are an error naming {@code file}, before allocating.
     */
    static Sequential build(TrainConfig config, StateDict sd, Path file) throws IOException {
        long elements = 0;
        for (StateDict.Entry e : sd.entries().values()) {
            elements += e.numel();
        }
        try {
            return Shapes.withParameterBudget(elements, elements + " tensor elements in " + file,
                    () -> Models.build(config.model(), config.seed()));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": metadata '" + Checkpoint.CONFIG_KEY + "' describes a model that cannot be built: "
                    + e.getMessage(), e);
        }
    }

    /** Strict load of {@code sd} into {@code model}: nothing is copied unless everything matches. */
    static void load(Module model, StateDict sd, Path file) throws IOException {
        try {
            sd.loadStrictInto(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code saved} must hold exactly the entries of {@code fresh} (a new trainer's state for the same config). */
    static void checkTrainerState(StateDict saved, StateDict fresh, Path file) throws IOException {
        try {
            saved.checkMatches(fresh);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Record-typed fields read as null (JSON {@code null}) are as missing as absent ones. */
    private static void requireNoNullRecords(Record r, String path, Path file) throws IOException {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            if (!c.getType().isRecord()) {
                continue;
            }
            Object v;
            try {
                v = c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("record accessor " + c, e);
            }
            if (v == null) {
                throw new IOException(file + ": metadata '" + path + "' has no '" + c.getName() + "'");
            }
            requireNoNullRecords((Record) v, path + "." + c.getName(), file);
        }
    }
}
