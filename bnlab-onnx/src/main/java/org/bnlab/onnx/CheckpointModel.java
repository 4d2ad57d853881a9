package org.bnlab.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bnlab.nn.Sequential;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.Json;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.bnlab.train.Safetensors;

/**
 * The model of a checkpoint written by {@code bnlab train}: architecture from the {@code bnlab.model}
 * metadata, weights and running statistics from the state_dict, and the per-sample input shape
 * ([C, H, W] for a CNN, [features] for an MLP).
 */
record CheckpointModel(Sequential model, int[] sampleShape, Map<String, String> metadata) {

    /** Loads {@code path}: a {@code model.safetensors} file or the checkpoint directory holding one. */
    static CheckpointModel load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(Checkpoint.MODEL_FILE) : path;
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no checkpoint at " + file);
        }
        Safetensors.Loaded loaded = Safetensors.load(file);
        String specJson = loaded.metadata().get(Checkpoint.MODEL_KEY);
        if (specJson == null) {
            throw new IllegalArgumentException(file + " has no '" + Checkpoint.MODEL_KEY + "' metadata: not a checkpoint "
                    + "written by bnlab train, so the architecture is unknown");
        }
        ModelSpec spec = Json.MAPPER.readValue(specJson, ModelSpec.class);
        Sequential model = Models.build(spec, 0);
        Checkpoint.checkModel(file, loaded.stateDict(), model);
        model.loadStateDict("", loaded.stateDict());
        int[] shape = spec.kind().equals("cnn") ? new int[] {spec.channels(), spec.height(), spec.width()}
                : new int[] {spec.features()};
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.MODEL_KEY, specJson);
        String config = loaded.metadata().get(Checkpoint.CONFIG_KEY);
        if (config != null) {
            meta.put(Checkpoint.CONFIG_KEY, config);
        }
        return new CheckpointModel(model, shape, meta);
    }
}
