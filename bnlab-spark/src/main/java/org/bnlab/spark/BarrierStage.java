package org.bnlab.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs {@code task} as a barrier stage of {@code tasks} tasks, one per partition (all scheduled at once,
 * each given its {@link org.apache.spark.BarrierTaskContext}), and collects their outputs. Spark's
 * barrier mode has a Scala API only ({@code RDD.barrier().mapPartitions}); this adapts a Java function.
 */
final class BarrierStage {
    private BarrierStage() {}

    static <R> List<R> run(JavaSparkContext sc, int tasks, FlatMapFunction<java.util.Iterator<Integer>, R> task, Class<R> type) {
        List<Integer> ranks = java.util.stream.IntStream.range(0, tasks).boxed().toList();
        ClassTag<R> tag = ClassTag$.MODULE$.apply(type);
        RDD<R> out = sc.parallelize(ranks, tasks).rdd().barrier().mapPartitions(new Adapter<>(task), false, tag);
        return out.toJavaRDD().collect();
    }

    private static final class Adapter<R> extends AbstractFunction1<Iterator<Integer>, Iterator<R>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final FlatMapFunction<java.util.Iterator<Integer>, R> task;

        Adapter(FlatMapFunction<java.util.Iterator<Integer>, R> task) {
            this.task = task;
        }

        @Override
        public Iterator<R> apply(Iterator<Integer> partition) {
            try {
                return CollectionConverters.asScala(task.call(CollectionConverters.asJava(partition)));
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
