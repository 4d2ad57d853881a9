package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.bnlab.nn.StateDict;
import org.bnlab.testing.Bounded;
import org.bnlab.testing.FuzzTries;
import org.bnlab.testing.Mutations;

/**
 * Fuzzing {@link Safetensors#load} with mutated valid files and with random headers (huge shapes and
 * offsets, unknown dtypes, wrong types): it returns or throws {@link Safetensors.FormatException} (the
 * only exception its Javadoc documents for the content of a regular file) naming the file, within a
 * time limit, allocating at most {@link #BOUND} bytes: every size is checked against the file first.
 */
@AddLifecycleHook(FuzzTries.class)
class SafetensorsFuzzTest {
    static final long BOUND = 4 << 20;
    static final Duration LIMIT = Duration.ofSeconds(5);
    static final byte[] VALID;
    static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("safetensors-fuzz", ".safetensors");
            FILE.toFile().deleteOnExit();
            StateDict sd = new StateDict();
            sd.put("0.weight", StateDict.Entry.f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
            sd.put("0.bias", StateDict.Entry.f32(new float[] {-1, Float.NaN}, 2));
            sd.put("1.num_batches_tracked", StateDict.Entry.i64(new long[] {7}));
            Safetensors.save(FILE, sd, Map.of("format", "pt", "bnlab.config", "{\"model\":{\"hidden\":[100]}}"));
            VALID = Files.readAllBytes(FILE);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Loads {@code bytes} from a file: FormatException naming it, or success; in time and within the bound. */
    static void loadIsSafe(byte[] bytes, String what) throws Exception {
        Files.write(FILE, bytes);
        Bounded.Outcome o = Bounded.run(LIMIT, what, () -> Safetensors.load(FILE));
        if (o.thrown() != null && !(o.thrown() instanceof Safetensors.FormatException)) {
            throw new AssertionError(what + ": undocumented " + o.thrown(), o.thrown());
        }
        assertTrue(o.thrown() == null || o.thrown().getMessage().startsWith(FILE + ": "), what + ": " + o.thrown());
        assertTrue(o.allocatedBytes() < BOUND, what + ": allocated " + o.allocatedBytes() + " bytes");
    }

    @Provide
    Arbitrary<List<Mutations.Mutation>> mutations() {
        return Mutations.lists();
    }

    @Property
    void mutatedFiles(@ForAll("mutations") List<Mutations.Mutation> ms) throws Exception {
        loadIsSafe(Mutations.apply(VALID, ms), ms.toString());
    }

    /** One tensor entry of a random header: plausible and absurd values for every field. */
    @Provide
    Arbitrary<String> headers() {
        Arbitrary<String> dims = Mutations.numbers().map(String::valueOf).list().ofMaxSize(5).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> dtype = Arbitraries.of("\"F32\"", "\"I64\"", "\"F16\"", "\"BF16\"", "\"\"", "3", "null");
        Arbitrary<String> tensor = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(3), dtype, dims, dims,
                Arbitraries.of("", ",\"x\":1", ",\"shape\":[1]")).as((n, t, s, o, extra) ->
                "\"" + n + "\":{\"dtype\":" + t + ",\"shape\":" + s + ",\"data_offsets\":" + o + extra + "}");
        Arbitrary<String> meta = Arbitraries.of("", "\"__metadata__\":{\"a\":\"b\"}", "\"__metadata__\":[]", "\"__metadata__\":{\"a\":1}");
        return Combinators.combine(meta, tensor.list().ofMaxSize(4)).as((m, ts) -> {
            StringBuilder sb = new StringBuilder("{").append(m);
            for (String t : ts) {
                sb.append(sb.length() > 1 ? "," : "").append(t);
            }
            return sb.append('}').toString();
        });
    }

    @Property
    void randomHeaders(@ForAll("headers") String header, @ForAll("lengths") long declared,
                       @ForAll("dataBytes") int dataBytes) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared < 0 ? json.length : declared).put(json);
        loadIsSafe(b.array(), header + " declared " + declared + " data " + dataBytes);
    }

    /** The u64 header length: mostly the true one (negative here), sometimes a huge or wrong one. */
    @Provide
    Arbitrary<Long> lengths() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(-1L)),
                net.jqwik.api.Tuple.of(1, Mutations.numbers()));
    }

    @Provide
    Arbitrary<Integer> dataBytes() {
        return Arbitraries.integers().between(0, 64);
    }
}
