package org.bnlab.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The one Spark context of this JVM (Spark allows one), created on first use for {@code master}; a
 * master set by spark-submit (spark.master) wins over {@code master}.
 */
final class SparkContexts {
    private SparkContexts() {}

    private static JavaSparkContext context;

    static synchronized JavaSparkContext get(String master) {
        if (context == null || context.sc().isStopped()) {
            SparkConf conf = new SparkConf().setAppName("bnlab").setIfMissing("spark.master", master)
                    .setIfMissing("spark.ui.enabled", "false")
                    // a barrier stage that needs more slots than the cluster has fails after this many checks
                    // (Spark's default, 40 checks 15 s apart, reads as a hang)
                    .setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "3")
                    .setIfMissing("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "2s");
            if (conf.get("spark.master").startsWith("local")) {
                // one machine: keep the driver, and so the replicas' sockets, on the loopback interface
                conf.setIfMissing("spark.driver.host", "127.0.0.1").setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            }
            context = new JavaSparkContext(conf);
            context.setLogLevel("WARN");
        }
        return context;
    }

    /** The first line of an exception's message: Spark's job failures carry the task's stack trace after it. */
    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
