/**
 * Synchronous data-parallel training on threads: {@link org.bnlab.train.parallel.DataParallel} runs R
 * replicas of a model on slices of each global batch, with SyncBatchNorm over an in-process collective,
 * and reduces their gradients in replica order. Independent of the CLI and of the Trainer.
 */
package org.bnlab.train.parallel;
