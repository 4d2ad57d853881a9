package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Linear;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.nn.norm.BatchRenorm;
import org.bnlab.nn.norm.GhostBatchNorm;
import org.bnlab.nn.norm.GroupNorm;
import org.bnlab.nn.norm.LayerNorm;
import org.bnlab.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** ModelSpec.norm: parsing, the layers the presets get, and configs written before the field. */
class ModelSpecNormTest {

    private static ModelSpec mlp(String norm) {
        return new ModelSpec("mlp", 1, 28, 28, 10, List.of(40, 20), "relu", norm, "default", 0, 0);
    }

    @Test
    void eachNormBuildsItsLayerAfterABiasFreeLinear() {
        record Case(String norm, Class<? extends Module> type) {}
        for (Case c : List.of(new Case("batch", BatchNorm.class), new Case("renorm", BatchRenorm.class),
                new Case("ghost:4", GhostBatchNorm.class), new Case("group:10", GroupNorm.class), new Case("layer", LayerNorm.class))) {
            Sequential m = Models.build(mlp(c.norm()), 1);
            assertInstanceOf(c.type(), m.get(1), c.norm());
            assertInstanceOf(c.type(), m.get(4), c.norm());
            assertNull(((Linear) m.get(0)).bias(), c.norm() + ": the normalization's shift replaces the bias");
            Tensor y = m.forward(Tensor.zeros(8, 784), true);
            assertEquals(10, y.size(1));
        }
        Sequential plain = Models.build(mlp("none"), 1);
        assertEquals(5, plain.size());
        assertFalse(((Linear) plain.get(0)).bias() == null);
    }

    @Test
    void cnnNormalizesEachConvAndTheHiddenLinear() {
        ModelSpec spec = new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", "group:8", "default", 0, 0);
        Sequential m = Models.build(spec, 3);
        assertInstanceOf(Conv2d.class, m.get(0));
        assertInstanceOf(GroupNorm.class, m.get(1));
        assertEquals(3, m.modules().stream().filter(GroupNorm.class::isInstance).count());
        Sequential ln = Models.build(new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", "layer", "default", 0, 0), 3);
        assertEquals(List.of(32, 28, 28), java.util.Arrays.stream(((LayerNorm) ln.get(1)).normalizedShape()).boxed().toList());
        assertEquals(10, ln.forward(Tensor.zeros(2, 1, 28, 28), true).size(1));
    }

    @Test
    void textIsCanonicalAndBatchNormFollowsIt() {
        assertEquals("ghost:60", mlp(" Ghost:060 ").norm());
        assertTrue(mlp("batch").batchNorm());
        assertFalse(mlp("renorm").batchNorm());
        assertEquals("batch", ModelSpec.paperMlp(true, 1).norm());
        assertEquals("none", ModelSpec.paperMlp(false, 1).norm());
        assertTrue(mlp("layer").normalized());
        assertFalse(mlp("none").normalized());
    }

    @Test
    void badNormsAreRefusedWithTheirText() {
        for (String bad : new String[] {"bn", "ghost", "ghost:1", "group:0", "group:x", "layer:3", "batch:2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mlp(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> mlp("group:3"));
        assertTrue(g.getMessage().contains("do not divide a layer of width 40"), g.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec("cnn", 1, 28, 28, 10, List.of(), "relu", "group:5", "default", 0, 0));
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec("mlp", 1, 28, 28, 10, List.of(8), "relu", true, "default", 0, 0, "layer"));
        assertTrue(c.getMessage().contains("contradicts norm 'layer'"), c.getMessage());
    }

    @Test
    void jsonWithoutNormLoadsAsBatchNormSaysAndNewJsonRoundTrips() throws Exception {
        for (boolean bn : new boolean[] {true, false}) {
            ObjectNode old = Json.MAPPER.valueToTree(ModelSpec.paperMlp(bn, 1));
            old.remove("norm");
            ModelSpec read = Json.MAPPER.treeToValue(old, ModelSpec.class);
            assertEquals(bn ? "batch" : "none", read.norm());
            assertEquals(ModelSpec.paperMlp(bn, 1), read);
        }
        ModelSpec ghost = ModelSpec.paperMlp("ghost:60", 1);
        assertEquals(ghost, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(ghost), ModelSpec.class));
    }
}
