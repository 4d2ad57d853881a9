package org.bnlab.nn;

import java.util.ArrayList;
import java.util.List;
import org.bnlab.tensor.Tensor;

/**
 * torch.nn.Sequential: forward chains the children's {@link Module#forwardBuffered} in order, backward
 * runs their {@link Module#backwardBuffered} in reverse. Children are named by their index, so
 * parameters and state_dict entries are {@code 0.weight}, {@code 1.running_mean}, ... exactly as in
 * PyTorch; a child with buffers contributes them through its own {@link Module#stateDict} override.
 * Parameters returned here share the children's live arrays (only the name carries the prefix).
 */
public final class Sequential extends GuardedModule {

    private final List<Module> modules;
    /** Index of the first child with parameters (size() if none): where a backward without input grad stops. */
    private final int firstWithParameters;

    public Sequential(Module... modules) {
        super("Sequential");
        if (modules.length == 0) {
            throw new IllegalArgumentException("Sequential needs at least one module");
        }
        for (int i = 0; i < modules.length; i++) {
            if (modules[i] == null) {
                throw new IllegalArgumentException("Sequential: module " + i + " is null");
            }
        }
        this.modules = List.of(modules);
        int first = 0;
        while (first < modules.length && modules[first].parameters().isEmpty()) {
            first++;
        }
        this.firstWithParameters = first;
    }

    /** The children in order (unmodifiable). */
    public List<Module> modules() {
        return modules;
    }

    public Module get(int i) {
        return modules.get(i);
    }

    public int size() {
        return modules.size();
    }

    @Override
    Tensor forwardImpl(Tensor x, boolean training) {
        Tensor h = x;
        for (int i = 0; i < modules.size(); i++) { // indexed: no iterator per call
            h = modules.get(i).forwardBuffered(h, training);
        }
        return h;
    }

    /**
     * Without {@code inputGrad}, the modules in front of the first one with parameters are skipped
     * (nothing of theirs needs a gradient) and that first one is told it need not produce its input
     * gradient: for the paper's MLP this drops dX = dY·W of the 784-wide first layer, a third of the
     * backward multiply-adds.
     */
    @Override
    Tensor backwardImpl(Tensor gradOutput, boolean inputGrad) {
        int first = inputGrad ? 0 : firstWithParameters;
        Tensor g = gradOutput;
        for (int i = modules.size() - 1; i >= first; i--) {
            g = modules.get(i).backwardBuffered(g, inputGrad || i > first);
        }
        return inputGrad ? g : null;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (int i = 0; i < modules.size(); i++) {
            for (Parameter p : modules.get(i).parameters()) {
                all.add(new Parameter(i + "." + p.name(), p.data(), p.grad(), p.shape()));
            }
        }
        return List.copyOf(all);
    }

    @Override
    public void stateDict(String prefix, StateDict out) {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).stateDict(prefix + i + ".", out);
        }
    }

    @Override
    public void loadStateDict(String prefix, StateDict in) {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).loadStateDict(prefix + i + ".", in);
        }
    }

    @Override
    public void extraState(String prefix, StateDict out) {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).extraState(prefix + i + ".", out);
        }
    }

    @Override
    public void loadExtraState(String prefix, StateDict in) {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).loadExtraState(prefix + i + ".", in);
        }
    }

    @Override
    public void zeroGrad() {
        for (int i = 0; i < modules.size(); i++) {
            modules.get(i).zeroGrad();
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Sequential(");
        for (int i = 0; i < modules.size(); i++) {
            sb.append("\n  (").append(i).append("): ").append(modules.get(i));
        }
        return sb.append("\n)").toString();
    }
}
