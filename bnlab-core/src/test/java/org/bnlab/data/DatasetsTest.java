package org.bnlab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path tmp;

    private static int[] histogram(int[] labels, int classes) {
        int[] h = new int[classes];
        for (int l : labels) {
            h[l]++;
        }
        return h;
    }

    private static void assertUnitRange(float[] x) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min, "darkest pixel");
        assertEquals(1f, max, "brightest pixel");
    }

    @Test
    void mnistSample() throws IOException {
        Dataset d = Datasets.load(Datasets.MNIST_SAMPLE);
        assertEquals(8000, d.train().size());
        assertEquals(2000, d.test().size());
        assertEquals(28, d.rows());
        assertEquals(28, d.cols());
        assertEquals(10, d.classes());
        assertEquals(784 * 8000, d.train().images().length);

        // the package's per-digit counts, of which the last 200 of each digit form the test split
        int[] perDigit = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
        int[] train = histogram(d.train().labels(), 10);
        int[] test = histogram(d.test().labels(), 10);
        for (int c = 0; c < 10; c++) {
            assertEquals(200, test[c], "test images of digit " + c);
            assertEquals(perDigit[c] - 200, train[c], "train images of digit " + c);
        }
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, java.util.Arrays.copyOf(d.train().labels(), 10),
                "class-interleaved order");
        assertUnitRange(d.train().images());
        assertUnitRange(d.test().images());

        // real grey-level digits, not binarized: the mean ink is near MNIST's 0.13 and grey levels occur
        double mean = 0;
        int grey = 0;
        for (float v : d.train().images()) {
            mean += v;
            grey += v > 0 && v < 1 ? 1 : 0;
        }
        mean /= d.train().images().length;
        assertTrue(mean > 0.11 && mean < 0.15, "mean pixel " + mean);
        assertTrue(grey > 100_000, "grey pixels " + grey);
    }

    @Test
    void standardizedUsesTrainStatistics() throws IOException {
        Dataset raw = Datasets.load(Datasets.MNIST_SAMPLE);
        Dataset std = raw.standardized();
        assertTrue(std.isStandardized());
        assertTrue(!raw.isStandardized());
        double m = 0;
        double sq = 0;
        for (float v : std.train().images()) {
            m += v;
            sq += (double) v * v;
        }
        int n = std.train().images().length;
        assertEquals(0, m / n, 1e-4);
        assertEquals(1, Math.sqrt(sq / n - (m / n) * (m / n)), 1e-4);
        float x = raw.test().images()[300];
        assertEquals((x - std.mean()) / std.std(), std.test().images()[300], 0f, "test split uses the train statistics");
        assertEquals(0f, raw.train().images()[0], "the raw dataset is left unchanged");
        assertThrows(IllegalStateException.class, std::standardized);
        // the sample's statistics are close to the full MNIST train set's well-known (0.1307, 0.3081)
        assertEquals(0.1307, std.mean(), 2e-3);
        assertEquals(0.3081, std.std(), 2e-3);
    }

    @Test
    void fashionMnist() throws IOException {
        assumeTrue(Files.isDirectory(Datasets.FASHION_MNIST_DIR), "skipped: " + Datasets.FASHION_MNIST_DIR
                + " is missing (apt-get install dataset-fashion-mnist)");
        Dataset d = Datasets.load(Datasets.FASHION_MNIST);
        assertEquals(60_000, d.train().size());
        assertEquals(10_000, d.test().size());
        assertEquals(28, d.rows());
        assertEquals(28, d.cols());
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, histogram(d.train().labels(), 10));
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, histogram(d.test().labels(), 10));
        assertUnitRange(d.train().images());
        assertEquals(Datasets.FASHION_MNIST_DIR.toString(), d.source());
    }

    @Test
    void fromDirectoryMixesPlainAndGzip() throws IOException {
        byte[] px = new byte[3 * 2 * 2];
        px[5] = (byte) 255;
        px[6] = (byte) 51;
        IdxWriter.writeImages(tmp.resolve("train-images-idx3-ubyte.gz"), new IdxImages(3, 2, 2, px));
        IdxWriter.writeLabels(tmp.resolve("train-labels-idx1-ubyte"), new int[] {2, 0, 1});
        IdxWriter.writeImages(tmp.resolve("t10k-images-idx3-ubyte"), new IdxImages(1, 2, 2, new byte[4]));
        IdxWriter.writeLabels(tmp.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {9});
        Dataset d = Datasets.fromDirectory(tmp);
        assertEquals(tmp.getFileName().toString(), d.name());
        assertEquals(3, d.train().size());
        assertEquals(1f, d.train().images()[5]);
        assertEquals(0.2f, d.train().images()[6]);
        assertEquals(51 / 255f, d.train().images()[6], 0f, "byte / 255f, as torchvision's ToTensor");
        assertArrayEquals(new int[] {2, 0, 1}, d.train().labels());
        assertArrayEquals(new int[] {9}, d.test().labels());
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        IdxWriter.writeImages(tmp.resolve("train-images-idx3-ubyte"), new IdxImages(3, 2, 2, new byte[12]));
        IdxWriter.writeLabels(tmp.resolve("train-labels-idx1-ubyte"), new int[] {2, 0});
        IdxWriter.writeImages(tmp.resolve("t10k-images-idx3-ubyte"), new IdxImages(1, 2, 2, new byte[4]));
        IdxWriter.writeLabels(tmp.resolve("t10k-labels-idx1-ubyte"), new int[] {9});
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Datasets.fromDirectory(tmp));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte holds 3 images")
                && e.getMessage().contains("train-labels-idx1-ubyte holds 2 labels"), e.getMessage());
    }

    @Test
    void missingDirectoryFilesAreListed() throws IOException {
        IdxWriter.writeLabels(tmp.resolve("train-labels-idx1-ubyte"), new int[] {2, 0});
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> Datasets.fromDirectory(tmp));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte[.gz]") && e.getMessage().contains("t10k-labels-idx1-ubyte[.gz]")
                && !e.getMessage().contains("lacks [train-labels"), e.getMessage());
        FileNotFoundException none = assertThrows(FileNotFoundException.class, () -> Datasets.fromDirectory(tmp.resolve("nope")));
        assertTrue(none.getMessage().contains("does not exist"), none.getMessage());
    }

    @Test
    void unknownNameListsKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.load("cifar10"));
        assertTrue(e.getMessage().contains("cifar10") && e.getMessage().contains("mnist-sample")
                && e.getMessage().contains("fashion-mnist") && e.getMessage().contains("--data"), e.getMessage());
    }

    @Test
    void missingFashionMnistSaysHowToInstall() {
        FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> Datasets.fashionMnist(tmp.resolve("absent")));
        assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist") && e.getMessage().contains("--data"),
                e.getMessage());
    }
}
