package org.bnlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.train.Checkpoint;
import org.bnlab.train.Json;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --norm}: the choice reaches the config, --bn is its synonym, conflicts are named, old configs load. */
class TrainNormOptionTest {

    private static JsonNode model(Path out) throws Exception {
        return Json.MAPPER.readTree(out.resolve("final.json").toFile()).get("config").get("model");
    }

    @Test
    void normReachesTheConfigAndBnIsItsSynonym(@TempDir Path dir) throws Exception {
        String[] common = {"--hidden", "16", "--steps", "4", "--eval-every", "4", "--threads", "1"};
        CliTest.Run r = CliTest.run(concat(new String[] {"train", "--norm", "group:8", "--out", dir.resolve("g").toString()}, common));
        assertEquals(0, r.code(), r.err());
        assertEquals("group:8", model(dir.resolve("g")).get("norm").asText());
        assertTrue(r.out().contains("+group:8"), r.out());
        CliTest.Run b = CliTest.run(concat(new String[] {"train", "--bn", "--norm", "batch", "--out", dir.resolve("b").toString()}, common));
        assertEquals(0, b.code(), b.err());
        assertEquals("batch", model(dir.resolve("b")).get("norm").asText());
        assertTrue(model(dir.resolve("b")).get("batchNorm").asBoolean());
    }

    @Test
    void conflictingAndUnknownNormsAreErrorsNamingThem(@TempDir Path dir) {
        CliTest.Run c = CliTest.run("train", "--bn", "--norm", "layer", "--out", dir.toString());
        assertEquals(2, c.code());
        assertTrue(c.err().contains("--bn (BatchNorm) conflicts with --norm layer"), c.err());
        CliTest.Run u = CliTest.run("train", "--norm", "ghost", "--out", dir.toString());
        assertEquals(2, u.code());
        assertTrue(u.err().contains("unknown norm 'ghost'"), u.err());
    }

    @Test
    void aCheckpointConfigWrittenBeforeNormLoadsAsItsBatchNormSays() throws Exception {
        for (boolean bn : new boolean[] {true, false}) {
            TrainConfig c = new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(bn, 1), "sgd", 0.1, 0, false, 0,
                    "none", 1, 1, 60, 100, 50, 1, 0);
            ObjectNode json = Json.MAPPER.valueToTree(c);
            ((ObjectNode) json.get("model")).remove("norm");
            TrainConfig read = CheckpointLoading.config(Map.of(Checkpoint.CONFIG_KEY, json.toString()), Path.of("old.safetensors"));
            assertEquals(c, read);
            assertEquals(bn, CheckpointLoading.build(read, stateOf(c), Path.of("old.safetensors")).modules().stream()
                    .anyMatch(BatchNorm.class::isInstance));
        }
    }

    private static org.bnlab.nn.StateDict stateOf(TrainConfig c) {
        org.bnlab.nn.StateDict sd = new org.bnlab.nn.StateDict();
        org.bnlab.train.Models.build(c.model(), c.seed()).stateDict("", sd);
        return sd;
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(List.of(a).stream(), List.of(b).stream()).toArray(String[]::new);
    }
}
