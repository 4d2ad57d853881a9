/**
 * Optimizers, learning-rate schedules and gradient clipping with torch.optim 1.13 semantics.
 *
 * <p>A training step with this package and the layers of {@code org.bnlab.nn} (allocation-free in
 * steady state):
 *
 * <pre>{@code
 * Sequential net = new Sequential(linear1, new Sigmoid(), linear2, ...);
 * CrossEntropyLoss ce = new CrossEntropyLoss();
 * Optimizer opt = SGD.builder(net.parameters()).lr(0.01).momentum(0.9).build();
 * LRScheduler sched = new StepLR(opt, 10_000, 0.1);            // stepped once per optimizer step here
 * for (...) {
 *     opt.zeroGrad();
 *     float loss = ce.forward(net.forwardBuffered(x, true), labels);
 *     net.backwardBuffered(ce.gradBuffer());
 *     GradClip.clipGradNorm(opt.params(), 5.0);                // optional
 *     opt.step();
 *     sched.step();
 * }
 * }</pre>
 *
 * Exact resume: save the model's {@code stateDict}, the optimizer's {@link org.bnlab.optim.Optimizer#stateDict}
 * (per-parameter state and step count), the scheduler's {@link org.bnlab.optim.LRScheduler#lastEpoch()} and
 * each Dropout's {@code callCount()}; restore them into freshly built objects.
 */
package org.bnlab.optim;
