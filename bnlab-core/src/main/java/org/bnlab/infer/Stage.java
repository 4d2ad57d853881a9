package org.bnlab.infer;

/**
 * One step of an {@link InferenceModel}: an immutable function of a batch, from {@code n * inSize}
 * floats to {@code n * outSize} floats (sizes per sample, fixed when the model is compiled). Stages
 * hold no per-call state; everything a call writes lives in the caller's {@link Workspace}, so one
 * stage serves any number of threads at once.
 */
interface Stage {

    int inSize();

    int outSize();

    /** True when {@code y} may be the same array as {@code x} (elementwise stages). */
    default boolean inPlace() {
        return false;
    }

    /** y[0, n*outSize) = f(x[0, n*inSize)). */
    void run(float[] x, float[] y, int n, Workspace ws);
}
