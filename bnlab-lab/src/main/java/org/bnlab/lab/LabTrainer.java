package org.bnlab.lab;

import org.bnlab.data.SampleOrder;
import org.bnlab.nn.Sequential;
import org.bnlab.train.Models;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/**
 * A lab run's recipe, its model and the trainer over it: the lab's probes read the model's layers by
 * index, so they keep the {@link Sequential} the trainer trains.
 */
record LabTrainer(TrainConfig config, Sequential model, Trainer trainer) {

    /** The recipe's preset model, initialized from its seed, trained on the context's data. */
    static LabTrainer of(LabContext ctx, TrainConfig config) {
        return of(ctx, config, Models.build(config.model(), config.seed()));
    }

    /** The recipe's preset model, trained with the mini-batches of {@code order} instead of i.i.d. shuffling. */
    static LabTrainer of(LabContext ctx, TrainConfig config, SampleOrder order) {
        Sequential model = Models.build(config.model(), config.seed());
        return new LabTrainer(config, model, config.trainerBuilder(ctx.data(), model).sampleOrder(order).build());
    }

    /** The recipe's training of {@code model} (which must take the recipe's input) on the context's data. */
    static LabTrainer of(LabContext ctx, TrainConfig config, Sequential model) {
        return new LabTrainer(config, model, config.trainerBuilder(ctx.data(), model).build());
    }
}
