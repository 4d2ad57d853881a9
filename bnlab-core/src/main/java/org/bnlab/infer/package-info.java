/**
 * Inference for trained models: {@link org.bnlab.infer.InferenceModel} compiles an eval-mode
 * {@code Sequential} (BatchNorm folded, Dropout removed) into immutable stages over the training
 * kernels, batched, allocation-free in steady state and safe to share between threads.
 */
package org.bnlab.infer;
