package org.bnlab.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.bnlab.data.Dataset;
import org.bnlab.engine.Engine;
import org.bnlab.nn.Module;
import org.bnlab.nn.Sequential;
import org.bnlab.nn.StateDict;
import org.bnlab.nn.norm.SyncBatchNorm;
import org.bnlab.train.DivergedException;
import org.bnlab.train.Json;
import org.bnlab.train.Models;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;
import org.bnlab.train.TrainingListener;

/**
 * The body of one barrier task: replica {@code partitionId} of the run, rebuilt from the recipe
 * (model initialization from the seed, the same shuffle) or from the driver's state, trains from the
 * segment's first step to {@code lastStep} as a {@link Trainer#builder replica} over a
 * {@link BarrierCollective}, and returns a {@link Segment}.
 *
 * @param configJson the {@link TrainConfig} as JSON (records are not Serializable)
 * @param socketChannel the replicas exchange data over TCP ({@link SocketCollective}) rather than through
 *                   the driver ({@link BarrierCollective})
 * @param start      model and trainer state to start from (replica 0's at the end of the last segment), or
 *                   null to start from the recipe's initialization
 */
record ReplicaTask(String configJson, boolean syncBatchNorm, boolean socketChannel, double divergeFactor, int divergePatience,
                   StateSnapshot startModel, StateSnapshot startTrainer, long lastStep)
        implements FlatMapFunction<Iterator<Integer>, Segment>, Serializable {

    @Override
    public Iterator<Segment> call(Iterator<Integer> partition) throws Exception {
        BarrierTaskContext context = BarrierTaskContext.get();
        try (MeasuredCollective collective = socketChannel ? SocketCollective.connect(context) : new BarrierCollective(context)) {
            return List.of(run(collective, context.partitionId())).iterator();
        }
    }

    private Segment run(MeasuredCollective collective, int rank) throws Exception {
        // one task, one core: the task slots are the parallelism (results do not depend on the thread count)
        Engine.setThreads(1);
        TrainConfig config = Json.MAPPER.readValue(configJson, TrainConfig.class);
        Dataset ds = config.loadData();
        Sequential net = Models.build(config.model(), config.seed());
        Trainer trainer = config.trainerBuilder(ds, syncBatchNorm ? SyncBatchNorm.convert(net, collective, rank) : net)
                .divergenceCheck(divergeFactor, divergePatience).replica(collective, rank).build();
        if (startModel != null) {
            startModel.toStateDict().loadStrictInto(trainer.model());
            trainer.loadStateDict(startTrainer.toStateDict());
        }
        List<double[]> evals = new ArrayList<>();
        trainer.addListener(TrainingListener.onEval((t, p) -> evals.add(Segment.row(p))));
        long firstStep = trainer.step();
        float[] lastLoss = {Float.NaN};
        trainer.addListener(new TrainingListener() {
            @Override
            public void afterStep(Trainer t, float loss) {
                lastLoss[0] = loss;
            }
        });
        long divergedAt = -1;
        String divergence = null;
        long t0 = System.nanoTime();
        try {
            trainer.fitTo(lastStep);
        } catch (DivergedException e) {
            // every replica sees the same global loss, so all stop here: report it instead of failing the stage,
            // which Spark would retry to the same end
            divergedAt = e.step();
            divergence = e.getMessage();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        boolean first = rank == 0;
        return new Segment(rank, first ? new StateSnapshot(state(trainer.model())) : null, first ? new StateSnapshot(trainer.stateDict()) : null,
                first ? evals.toArray(new double[0][]) : new double[0][], lastLoss[0], divergedAt, divergence,
                trainer.step() - firstStep, seconds, collective.nanos() / 1e9, collective.calls());
    }

    private static StateDict state(Module model) {
        StateDict sd = new StateDict();
        model.stateDict("", sd);
        return sd;
    }
}
