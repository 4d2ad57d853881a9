package org.bnlab.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the datasets bnlab knows by name, or the four standard IDX files from any directory.
 *
 * <ul>
 *   <li>{@value #MNIST_SAMPLE}: 10,000 real MNIST digits shipped inside the jar (8,000 train, 2,000
 *       test; see the NOTICE beside the files and {@code tools/data/make_mnist_sample.py}).</li>
 *   <li>{@value #FASHION_MNIST}: Zalando's Fashion-MNIST (60,000 train, 10,000 test) from
 *       {@link #FASHION_MNIST_DIR}, where Debian's {@code dataset-fashion-mnist} installs it.</li>
 *   <li>{@link #fromDirectory(Path)}: any directory holding {@code train-images-idx3-ubyte},
 *       {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and
 *       {@code t10k-labels-idx1-ubyte}, each plain or with {@code .gz} (the CLI's {@code --data DIR}).</li>
 * </ul>
 * All of these are 10-class datasets of unsigned-byte images; pixels become {@code byte / 255f}.
 */
public final class Datasets {

    public static final String MNIST_SAMPLE = "mnist-sample";
    public static final String FASHION_MNIST = "fashion-mnist";
    /** The names {@link #load(String)} accepts. */
    public static final List<String> NAMES = List.of(MNIST_SAMPLE, FASHION_MNIST);
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Number of classes of every dataset loaded here (digits, or Fashion-MNIST's ten garment kinds). */
    public static final int CLASSES = 10;

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** The four files a dataset directory must hold, each optionally gzip-compressed with a {@code .gz} suffix. */
    public static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    private static final String RESOURCE_DIR = "mnist-sample/";

    private Datasets() {}

    /**
     * Loads a dataset by name.
     *
     * @throws IllegalArgumentException for an unknown name (the message lists the known ones)
     * @throws FileNotFoundException    when the dataset is not installed (the message says how to install it)
     * @throws IdxFormatException       when a file is malformed
     */
    public static Dataset load(String name) throws IOException {
        if (MNIST_SAMPLE.equals(name)) {
            return read(MNIST_SAMPLE, "classpath:org/bnlab/data/" + RESOURCE_DIR, Datasets::openResource);
        }
        if (FASHION_MNIST.equals(name)) {
            return fashionMnist(FASHION_MNIST_DIR);
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "'; known datasets: " + String.join(", ", NAMES)
                + " (or pass --data DIR for a directory holding " + FILES + ")");
    }

    /** Fashion-MNIST from {@code dir} (normally {@link #FASHION_MNIST_DIR}), saying how to install it when absent. */
    static Dataset fashionMnist(Path dir) throws IOException {
        List<String> missing = missingFiles(dir);
        if (!missing.isEmpty()) {
            throw new FileNotFoundException("dataset '" + FASHION_MNIST + "' is not installed: " + dir
                    + (Files.isDirectory(dir) ? " lacks " + missing : " does not exist")
                    + ". Install it with `apt-get install dataset-fashion-mnist` (Debian), or download the four files "
                    + FILES + " (each may end in .gz) into a directory and pass --data DIR.");
        }
        return fromDirectory(dir, FASHION_MNIST);
    }

    /** Loads the four standard IDX files from {@code dir}; the dataset is named after the directory. */
    public static Dataset fromDirectory(Path dir) throws IOException {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return fromDirectory(dir, name == null ? dir.toString() : name.toString());
    }

    private static Dataset fromDirectory(Path dir, String name) throws IOException {
        List<String> missing = missingFiles(dir);
        if (!missing.isEmpty()) {
            throw new FileNotFoundException("data directory " + dir + (Files.isDirectory(dir) ? " lacks " + missing
                    : " does not exist") + "; it must hold the four standard IDX files " + FILES
                    + ", each plain or gzip-compressed with a .gz suffix (as MNIST and Fashion-MNIST are distributed)");
        }
        return read(name, dir.toAbsolutePath().normalize().toString(), base -> {
            Path file = locate(dir, base);
            return new Named(Files.newInputStream(file), file.toString());
        });
    }

    /** An open stream and the name to use for it in error messages. */
    private record Named(InputStream in, String name) {}

    @FunctionalInterface
    private interface Opener {
        Named open(String baseName) throws IOException;
    }

    private static Named openResource(String base) throws IOException {
        String path = RESOURCE_DIR + base + ".gz";
        InputStream in = Datasets.class.getResourceAsStream(path);
        if (in == null) {
            throw new FileNotFoundException("resource org/bnlab/data/" + path + " is missing from the class path; "
                    + "regenerate it with /usr/bin/python3 tools/data/make_mnist_sample.py and rebuild");
        }
        return new Named(in, "classpath:org/bnlab/data/" + path);
    }

    /** The file for {@code base} in {@code dir}: the plain file if present, else {@code base.gz}, else null. */
    private static Path locate(Path dir, String base) {
        for (String candidate : new String[] {base, base + ".gz"}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String base : FILES) {
            if (locate(dir, base) == null) {
                missing.add(base + "[.gz]");
            }
        }
        return missing;
    }

    private static Dataset read(String name, String source, Opener opener) throws IOException {
        Split train = readSplit(opener, TRAIN_IMAGES, TRAIN_LABELS);
        Split test = readSplit(opener, TEST_IMAGES, TEST_LABELS);
        if (train.rows() != test.rows() || train.cols() != test.cols()) {
            throw new IdxFormatException(source + ": train images are " + train.rows() + " x " + train.cols()
                    + " but test images are " + test.rows() + " x " + test.cols());
        }
        return new Dataset(name, source, CLASSES, train, test, 0f, 1f);
    }

    private static Split readSplit(Opener opener, String imagesBase, String labelsBase) throws IOException {
        Named imagesFile = opener.open(imagesBase);
        IdxImages images;
        try (InputStream in = imagesFile.in()) {
            images = IdxReader.readImages(in, imagesFile.name());
        }
        Named labelsFile = opener.open(labelsBase);
        int[] labels;
        try (InputStream in = labelsFile.in()) {
            labels = IdxReader.readLabels(in, labelsFile.name(), CLASSES);
        }
        if (images.count() != labels.length) {
            throw new IdxFormatException(imagesFile.name() + " holds " + images.count() + " images but "
                    + labelsFile.name() + " holds " + labels.length + " labels");
        }
        return new Split(toUnitFloats(images.pixels()), labels, images.rows(), images.cols());
    }

    /** Unsigned bytes to float pixels {@code b / 255f}, as torchvision's ToTensor. */
    static float[] toUnitFloats(byte[] pixels) {
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = (pixels[i] & 0xFF) / 255f;
        }
        return out;
    }
}
