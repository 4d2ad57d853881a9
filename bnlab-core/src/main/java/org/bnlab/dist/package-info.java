/**
 * Communication between data-parallel replicas: {@link org.bnlab.dist.Collective}, the one primitive
 * (all-gather of doubles in replica order) that SyncBatchNorm needs, and
 * {@link org.bnlab.dist.ThreadCollective}, its in-process implementation for replicas on threads.
 * Layers above (nn.norm) depend on the interface only, so an implementation over another transport
 * (for example a cluster's barrier all-gather of strings) plugs in without touching them.
 */
package org.bnlab.dist;
