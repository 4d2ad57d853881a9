package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnlab.nn.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path tmp;

    private static StateDict model(float w) {
        StateDict sd = new StateDict();
        sd.put("0.weight", StateDict.Entry.f32(new float[] {w, 2, 3, 4}, 2, 2));
        sd.put("1.num_batches_tracked", StateDict.Entry.i64(new long[] {7}));
        return sd;
    }

    private static StateDict trainer(long step) {
        StateDict sd = new StateDict();
        sd.put("optim.0.weight.momentum_buffer", StateDict.Entry.f32(new float[] {0.5f, -1, 0, 1e-3f}, 2, 2));
        sd.put("rng.state", StateDict.Entry.i64(new long[] {0x9E3779B97F4A7C15L, 42}, 2));
        sd.put("trainer.step", StateDict.Entry.i64(new long[] {step}));
        return sd;
    }

    @Test
    void modelAndTrainerStateRoundTrip() throws IOException {
        Path dir = tmp.resolve("step-100");
        Checkpoint.save(dir, model(1), trainer(100), Map.of(Checkpoint.CONFIG_KEY, "{\"lr\":0.1}"));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(Checkpoint.MODEL_FILE, Checkpoint.TRAINER_FILE),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Checkpoint.Loaded l = Checkpoint.load(dir);
        assertEquals(Map.of(Checkpoint.FORMAT, "pt", Checkpoint.CONFIG_KEY, "{\"lr\":0.1}"), l.metadata());
        assertEquals(List.of("0.weight", "1.num_batches_tracked"), new ArrayList<>(l.model().entries().keySet()));
        assertArrayEquals(new float[] {1, 2, 3, 4}, l.model().require("0.weight").f32());
        assertArrayEquals(new long[] {100}, l.trainer().require("trainer.step").i64());
        assertArrayEquals(new long[] {0x9E3779B97F4A7C15L, 42}, l.trainer().require("rng.state").i64());
        // The model file alone is a plain state_dict: nothing a strict PyTorch load would reject.
        assertEquals(l.model().entries().keySet(),
                Safetensors.load(dir.resolve(Checkpoint.MODEL_FILE)).stateDict().entries().keySet());
    }

    @Test
    void tornPairIsRefused() throws IOException {
        Checkpoint.save(tmp, model(1), trainer(100), Map.of());
        // As if a crash hit between the two writes of the next save: new model, old trainer state.
        Safetensors.save(tmp.resolve(Checkpoint.MODEL_FILE), model(5), Map.of(Checkpoint.FORMAT, "pt"));
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> Checkpoint.load(tmp));
        assertTrue(e.getMessage().startsWith(tmp.resolve(Checkpoint.TRAINER_FILE) + ": belongs to a model file"),
                e.getMessage());
    }

    @Test
    void savingWithoutTrainerStateRemovesAStaleOne() throws IOException {
        Checkpoint.save(tmp, model(1), trainer(100), Map.of());
        Checkpoint.save(tmp, model(2), null, Map.of());
        assertFalse(Files.exists(tmp.resolve(Checkpoint.TRAINER_FILE)));
        Checkpoint.Loaded l = Checkpoint.load(tmp);
        assertNull(l.trainer());
        assertEquals(2f, l.model().require("0.weight").f32()[0]);
    }
}
