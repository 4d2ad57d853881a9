package org.bnlab.data;

/**
 * An image classification dataset with a train and a test split, as loaded by {@link Datasets}.
 *
 * <p>Pixels are {@code byte / 255f} in [0, 1], the same float32 values torchvision's
 * {@code ToTensor()} produces. {@link #standardized()} returns a copy normalized as
 * {@code (x - mean) / std}, where mean and std are one scalar each computed over every pixel of the
 * TRAIN split and applied to both splits: torchvision's {@code Normalize((mean,), (std,))}.
 * {@code mean} and {@code std} record the normalization applied: (0, 1) for raw pixels.
 *
 * @param name    the dataset's name ({@code mnist-sample}, {@code fashion-mnist}, or a directory's name)
 * @param source  where it was read from (a directory or a class-path resource), for provenance
 * @param classes number of classes; labels lie in {@code 0..classes-1}
 * @param train   the training split
 * @param test    the test split, same image size as train
 * @param mean    the mean subtracted from every pixel (0 for raw pixels)
 * @param std     the standard deviation every pixel was divided by (1 for raw pixels)
 */
public record Dataset(String name, String source, int classes, Split train, Split test, float mean, float std) {

    public Dataset {
        if (!train.sameExampleShape(test)) {
            throw new IllegalArgumentException("Dataset " + name + ": train examples are " + shape(train)
                    + " but test examples are " + shape(test));
        }
        if (classes < 1) {
            throw new IllegalArgumentException("Dataset " + name + ": classes must be positive, got " + classes);
        }
        if (!(std > 0)) {
            throw new IllegalArgumentException("Dataset " + name + ": std must be positive, got " + std);
        }
    }

    /**
     * A dataset of data already in memory (raw values, not standardized).
     *
     * @param classes number of classes; every label must lie in {@code 0..classes-1}
     */
    public static Dataset of(String name, int classes, Split train, Split test) {
        for (Split s : new Split[] {train, test}) {
            for (int i = 0; i < s.size(); i++) {
                if (s.labels()[i] < 0 || s.labels()[i] >= classes) {
                    throw new IllegalArgumentException("Dataset " + name + ": label " + s.labels()[i] + " of example " + i
                            + " is outside 0.." + (classes - 1));
                }
            }
        }
        return new Dataset(name, "memory", classes, train, test, 0f, 1f);
    }

    private static String shape(Split s) {
        return s.channels() + " x " + s.rows() + " x " + s.cols();
    }

    public int channels() {
        return train.channels();
    }

    public int rows() {
        return train.rows();
    }

    public int cols() {
        return train.cols();
    }

    /** Values per example, {@code channels * rows * cols}. */
    public int features() {
        return train.features();
    }

    /** True once {@link #standardized()} has been applied. */
    public boolean isStandardized() {
        return mean != 0f || std != 1f;
    }

    /**
     * A new dataset with both splits standardized by the train split's pixel mean and (population)
     * standard deviation; this dataset is unchanged. Statistics are accumulated in double, in index
     * order, so the result is deterministic.
     *
     * @throws IllegalStateException if this dataset is already standardized, or if its train pixels are constant
     */
    public Dataset standardized() {
        if (isStandardized()) {
            throw new IllegalStateException("Dataset " + name + " is already standardized (mean " + mean + ", std " + std + ")");
        }
        float[] x = train.images();
        double sum = 0;
        for (float v : x) {
            sum += v;
        }
        double m = sum / x.length;
        double sq = 0;
        for (float v : x) {
            double d = v - m;
            sq += d * d;
        }
        float meanF = (float) m;
        float stdF = (float) Math.sqrt(sq / x.length);
        if (!(stdF > 0)) {
            throw new IllegalStateException("Dataset " + name + ": train pixels are constant, cannot standardize");
        }
        return new Dataset(name, source, classes, normalize(train, meanF, stdF), normalize(test, meanF, stdF), meanF, stdF);
    }

    private static Split normalize(Split s, float mean, float std) {
        float[] src = s.images();
        float[] dst = new float[src.length];
        // y = (x - mean) / std, in float32 like torchvision's sub_(mean).div_(std)
        for (int i = 0; i < src.length; i++) {
            dst[i] = (src[i] - mean) / std;
        }
        return new Split(dst, s.labels(), s.channels(), s.rows(), s.cols());
    }

    @Override
    public String toString() {
        return "Dataset[" + name + " from " + source + ": train " + train.size() + ", test " + test.size() + ", "
                + shape(train).replace(" ", "") + ", " + classes + " classes" + (isStandardized() ? ", standardized by mean "
                + mean + " std " + std : "") + "]";
    }
}
