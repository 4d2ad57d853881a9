package org.bnlab.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The lab's experiments in report order; {@code bnlab lab NAME} and {@code bnlab paper} read this list. */
public final class Experiments {
    private Experiments() {}

    private static final List<Supplier<Experiment>> ALL = List.of(
            Figure1::new,
            LearningRate::new,
            InitScale::new,
            Saturation::new,
            Regularization::new,
            Conv::new,
            Ics::new,
            Landscape::new,
            SmallBatch::new,
            NonIid::new,
            TrainEvalGap::new,
            GhostBatch::new,
            SyncBn::new,
            Folding::new);

    public static List<Experiment> all() {
        List<Experiment> out = new ArrayList<>();
        for (Supplier<Experiment> s : ALL) {
            out.add(s.get());
        }
        return out;
    }

    public static List<String> names() {
        return all().stream().map(Experiment::name).toList();
    }

    /** The experiment called {@code name}, or an error listing the names. */
    public static Experiment byName(String name) {
        for (Experiment e : all()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
}
