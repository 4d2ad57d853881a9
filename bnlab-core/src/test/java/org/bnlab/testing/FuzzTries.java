package org.bnlab.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets the tries of every fuzzing property: {@value #DEFAULT_TRIES} in the ordinary build (the
 * fuzzers together stay well under 30 s on CI), or {@code -Dbnlab.fuzz.tries=N} for a long run
 * (tools/fuzz.sh). {@code -Dbnlab.fuzz.seed=S} replays the seed a failure printed.
 */
public final class FuzzTries implements AroundPropertyHook {
    public static final int DEFAULT_TRIES = 200;

    /** Registered on a test class: applies to its properties. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().setTries(Integer.getInteger("bnlab.fuzz.tries", DEFAULT_TRIES));
        String seed = System.getProperty("bnlab.fuzz.seed");
        if (seed != null && !seed.isEmpty()) {
            context.attributes().setSeed(seed);
        }
        return property.execute();
    }
}
