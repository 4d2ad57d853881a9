package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.testing.Bounded;
import org.bnlab.testing.FuzzTries;
import org.bnlab.testing.Mutations;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.Json;
import org.bnlab.train.Models;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;

/**
 * Fuzzing a checkpoint's metadata ({@value Checkpoint#CONFIG_KEY}): mutated JSON bytes and numbers
 * replaced by huge or negative ones. Reading the config, rebuilding the model it describes and strict
 * loading of the file's tensors throw only IOException naming the file (CheckpointLoading's
 * contract), in time, allocating at most {@link #BOUND} bytes: the model may need no more weights
 * than the file holds, so "hidden": [1500000] costs nothing.
 */
@AddLifecycleHook(FuzzTries.class)
class CheckpointMetadataFuzzTest {
    static final long BOUND = 16 << 20;
    static final Duration LIMIT = Duration.ofSeconds(5);
    static final Path FILE = Path.of("runs/x/model.safetensors");
    static final String CONFIG;
    static final StateDict STATE = new StateDict();
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

    static {
        TrainConfig c = new TrainConfig("mnist-sample", null, false,
                new ModelSpec("mlp", 1, 28, 28, 10, List.of(8, 6), "sigmoid", true, "normal", 0.5, 0.1),
                "sgd", 0.1, 0.9, false, 0, "none", 1, 1, 60, 100, 50, 1, 0);
        try {
            CONFIG = Json.MAPPER.writeValueAsString(c);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
        Sequential m = Models.build(c.model(), c.seed());
        m.stateDict("", STATE);
    }

    static void loadingIsSafe(String json, String what) throws Exception {
        Map<String, String> meta = Map.of(Checkpoint.CONFIG_KEY, json);
        Bounded.Outcome o = Bounded.run(LIMIT, what, () -> {
            TrainConfig config = CheckpointLoading.config(meta, FILE);
            Sequential model = CheckpointLoading.build(config, STATE, FILE);
            CheckpointLoading.load(model, STATE, FILE);
            return model;
        });
        if (o.thrown() != null && !(o.thrown() instanceof IOException)) {
            throw new AssertionError(what + ": undocumented " + o.thrown(), o.thrown());
        }
        assertTrue(o.thrown() == null || o.thrown().getMessage().startsWith(FILE + ": "), what + ": " + o.thrown());
        assertTrue(o.allocatedBytes() < BOUND, what + ": allocated " + o.allocatedBytes() + " bytes");
    }

    @Provide
    Arbitrary<List<Mutations.Mutation>> mutations() {
        return Mutations.lists();
    }

    @Property
    void mutatedJsonBytes(@ForAll("mutations") List<Mutations.Mutation> ms) throws Exception {
        byte[] b = Mutations.apply(CONFIG.getBytes(StandardCharsets.UTF_8), ms);
        loadingIsSafe(new String(b, StandardCharsets.UTF_8), ms.toString());
    }

    @Provide
    Arbitrary<Long> numbers() {
        return Mutations.numbers();
    }

    /** The {@code k}-th number of the config (mod their count) replaced by {@code value}. */
    @Property
    void hugeOrNegativeNumbers(@ForAll("numbers") long k, @ForAll("numbers") long value) throws Exception {
        List<java.util.regex.MatchResult> found = NUMBER.matcher(CONFIG).results().toList();
        java.util.regex.MatchResult m = found.get((int) Math.floorMod(k, (long) found.size()));
        String json = CONFIG.substring(0, m.start()) + value + CONFIG.substring(m.end());
        loadingIsSafe(json, "number " + m.group() + " at " + m.start() + " -> " + value);
    }
}
