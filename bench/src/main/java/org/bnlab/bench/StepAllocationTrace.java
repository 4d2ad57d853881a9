package org.bnlab.bench;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.zip.ZipFile;
import org.bnlab.data.Datasets;
import org.bnlab.train.ModelSpec;
import org.bnlab.train.Models;
import org.bnlab.train.TrainConfig;
import org.bnlab.train.Trainer;

/**
 * Which training steps allocate, and when: runs the paper MLP's SGD step (batch 60, one thread, as
 * bench's {@code mlp.step[batch=60]}) and prints every step past the first 2,000 whose calling thread
 * allocated anything, with the bytes and the JVM's uptime in ms, to match against
 * {@code -XX:+PrintCompilation}'s time stamps.
 *
 * <p>What it showed (JDK 25, Intel Xeon guest): 3-7 steps per JVM, 56-480 bytes each, between steps
 * 2,000 and 4,000, each at the moment C2 compiled a method of a class not yet compiled at tier 4
 * (Sequential::zeroGrad, SGD::step, AbstractOptimizer::nextStep, ElementwiseActivation::backwardBuffered,
 * BatchNorm::backwardBuffered...). Before it compiles a method, HotSpot's compile broker resolves every
 * string constant of the method's class on the thread that asked for the compilation, and a string
 * not yet in the string table is allocated there. With {@code --pre-resolve} the probe resolves the
 * string constants of every org.bnlab class first (through the JDK's internal constant-pool reflection):
 * the bnlab-class events disappear, and one remains, when C2 compiles
 * AbstractQueuedSynchronizer::signalNext (a JDK class the worker hand-off uses).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector [-XX:+PrintCompilation] -cp target/benchmarks.jar
 * org.bnlab.bench.StepAllocationTrace [steps] [--pre-resolve]}; {@code --pre-resolve} also needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED}.
 */
public final class StepAllocationTrace {

    private StepAllocationTrace() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 && args[0].matches("[1-9][0-9]{0,8}") ? Integer.parseInt(args[0]) : -1;
        boolean preResolve = args.length > 1 && args[1].equals("--pre-resolve");
        if (args.length > 0 && steps < 0 || args.length > 1 && !preResolve || args.length > 2) {
            System.err.println("usage: StepAllocationTrace [steps: a positive integer, default 20000] [--pre-resolve]");
            System.exit(2);
        }
        if (steps < 0) {
            steps = 20_000;
        }
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var runtime = ManagementFactory.getRuntimeMXBean();
        var data = Datasets.load("mnist-sample");
        TrainConfig cfg = new TrainConfig("mnist-sample", null, false, ModelSpec.paperMlp(true, 1.0), "sgd", 0.1, 0, false, 0,
                "none", 1, 1, 60, Long.MAX_VALUE / 2, Integer.MAX_VALUE, 1, 0);
        Trainer t = cfg.trainerBuilder(data, Models.build(cfg.model(), cfg.seed())).threadTuning(false).build();
        for (int i = 0; i < 50; i++) {
            t.trainStep(); // every class of the step loaded and linked
        }
        if (preResolve) {
            System.out.println("string constants resolved: " + resolveStringConstants());
        }
        // events are kept in arrays sized up front and printed at the end: the loop itself allocates nothing
        long[] step = new long[steps];
        long[] bytes = new long[steps];
        long[] nanos = new long[steps];
        int events = 0;
        for (int i = 0; i < steps; i++) {
            long before = bean.getCurrentThreadAllocatedBytes();
            t.trainStep();
            long allocated = bean.getCurrentThreadAllocatedBytes() - before;
            if (allocated > 0) {
                step[events] = i;
                bytes[events] = allocated;
                nanos[events++] = System.nanoTime();
            }
        }
        long nowNanos = System.nanoTime();
        long nowUptime = runtime.getUptime();
        for (int e = 0; e < events; e++) {
            if (step[e] >= 2000) {
                System.out.printf("step %d allocated %d bytes at uptime %d ms%n", step[e], bytes[e],
                        nowUptime - (nowNanos - nanos[e]) / 1_000_000);
            }
        }
    }

    /** Resolves the string constants of every org.bnlab class in the jar this class came from; returns how many. */
    private static int resolveStringConstants() throws Exception {
        Method poolOf = Class.class.getDeclaredMethod("getConstantPool");
        poolOf.setAccessible(true);
        Class<?> poolClass = Class.forName("jdk.internal.reflect.ConstantPool");
        Method size = poolClass.getMethod("getSize");
        Method tag = poolClass.getMethod("getTagAt", int.class);
        Method string = poolClass.getMethod("getStringAt", int.class);
        int resolved = 0;
        String jar = StepAllocationTrace.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        try (ZipFile z = new ZipFile(jar)) {
            for (var entry : Collections.list(z.entries())) {
                String name = entry.getName();
                if (!name.startsWith("org/bnlab/") || !name.endsWith(".class") || name.startsWith("org/bnlab/bench/")) {
                    continue;
                }
                // initialized (so linked): the JVM reads a constant pool's strings only once the class is linked
                Class<?> c = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), true,
                        StepAllocationTrace.class.getClassLoader());
                Object pool = poolOf.invoke(c);
                int entries = (int) size.invoke(pool);
                for (int i = 1; i < entries; i++) {
                    if (tag.invoke(pool, i).toString().equals("STRING")) {
                        string.invoke(pool, i);
                        resolved++;
                    }
                }
            }
        }
        return resolved;
    }
}
