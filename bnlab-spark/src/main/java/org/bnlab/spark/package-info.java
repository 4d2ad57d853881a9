/**
 * The optional Apache Spark back end of the CLI (docs/SCALE.md): data-parallel training with
 * SyncBatchNorm in barrier tasks ({@link org.bnlab.spark.SparkTraining}, {@link org.bnlab.spark.ReplicaTask},
 * the collectives {@link org.bnlab.spark.SocketCollective} and {@link org.bnlab.spark.BarrierCollective}),
 * and the lab's runs as Spark tasks ({@link org.bnlab.spark.SparkRunExecutor}, {@link org.bnlab.spark.LabTask}).
 * The CLI reaches it through {@link org.bnlab.cli.SparkBackend} and ServiceLoader only.
 */
package org.bnlab.spark;
