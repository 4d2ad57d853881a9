package org.bnlab.spark;

import org.bnlab.dist.Collective;

/** A {@link Collective} that counts its calls and the time spent in them: the communication share of a step. */
interface MeasuredCollective extends Collective, AutoCloseable {

    /** Nanoseconds spent in allGather so far, waiting for the slowest replica included. */
    long nanos();

    /** allGather calls so far. */
    long calls();

    @Override
    void close();
}
