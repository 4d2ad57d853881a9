package org.bnlab.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.bnlab.nn.Conv2d;
import org.bnlab.nn.Flatten;
import org.bnlab.nn.Linear;
import org.bnlab.nn.MaxPool2d;
import org.bnlab.nn.ReLU;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.norm.BatchNorm;
import org.bnlab.train.Safetensors;
import org.junit.jupiter.api.Test;

/**
 * PyTorch -> bnlab without ONNX: the state_dict of the golden CNN, saved as safetensors by the
 * generator script, loads by name into the same architecture built from bnlab layers (module i of
 * a Sequential is state_dict prefix "i.", as in PyTorch) and gives PyTorch's logits.
 */
class SafetensorsStateDictTest {

    @Test
    void pyTorchStateDictLoadsIntoTheMatchingBnlabModel() throws IOException {
        Sequential model = new Sequential(
                new Conv2d(1, 4, 3, 1, 1, false, 0), BatchNorm.builder(4).build(), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 8, 3, 1, 1, true, 0), BatchNorm.builder(8).build(), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(8 * 7 * 7, 10, true, 0));
        Safetensors.Loaded loaded = Safetensors.load(Golden.path("cnn_bn.safetensors"));
        assertEquals("pt", loaded.metadata().get("format"));
        model.loadStateDict("", loaded.stateDict());
        assertEquals(5, ((BatchNorm) model.get(1)).numBatchesTracked(), "num_batches_tracked comes along");

        Golden g = Golden.load("cnn");
        double d = Golden.maxAbsDiff(g.logits().data(), model.forward(g.input(), false).data());
        System.out.printf("safetensors state_dict: max |bnlab - PyTorch| = %.3g%n", d);
        assertTrue(d < 1e-5, "max abs diff " + d);
    }
}
