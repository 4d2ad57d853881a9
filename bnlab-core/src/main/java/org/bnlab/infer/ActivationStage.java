package org.bnlab.infer;

import org.bnlab.kernel.ActivationKernel;
import org.bnlab.kernel.KernelProvider;

/** ReLU, sigmoid or tanh over the whole batch, through the training layers' kernels. */
final class ActivationStage implements Stage {
    private static final ActivationKernel ACT = KernelProvider.get().activations();

    enum Kind { RELU, SIGMOID, TANH }

    private final Kind kind;
    private final int size;

    ActivationStage(Kind kind, int size) {
        this.kind = kind;
        this.size = size;
    }

    Kind kind() {
        return kind;
    }

    @Override
    public int inSize() {
        return size;
    }

    @Override
    public int outSize() {
        return size;
    }

    @Override
    public boolean inPlace() {
        return true;
    }

    @Override
    public void run(float[] x, float[] y, int n, Workspace ws) {
        int end = n * size;
        switch (kind) {
            case RELU -> ACT.reluForward(x, y, 0, end);
            case SIGMOID -> ACT.sigmoidForward(x, y, 0, end);
            case TANH -> ACT.tanhForward(x, y, 0, end);
        }
    }
}
