package org.bnlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CallGuardTest {

    @Test
    void aSecondThreadInsideIsRefusedAndTheClaimIsReleasedOnExit() throws Exception {
        CallGuard g = new CallGuard("BatchNorm(64)");
        g.enter();
        ExecutionException e = assertThrows(ExecutionException.class, () -> CompletableFuture.runAsync(g::enter).get());
        assertEquals(IllegalStateException.class, e.getCause().getClass());
        assertEquals("BatchNorm(64) used from two threads at once; use one model per thread or the inference path",
                e.getCause().getMessage());
        g.exit();
        CompletableFuture.runAsync(() -> {
            g.enter();
            g.exit();
        }).get();
    }
}
