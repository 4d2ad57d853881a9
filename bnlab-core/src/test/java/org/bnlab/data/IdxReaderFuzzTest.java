package org.bnlab.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.bnlab.testing.Bounded;
import org.bnlab.testing.FuzzTries;
import org.bnlab.testing.Mutations;

/**
 * Fuzzing the IDX reader with mutated valid files, plain and gzip (mutated before or after
 * compression): it returns or throws {@link IdxFormatException}, the one exception its Javadoc
 * documents for content, within a time limit, allocating at most {@link #BOUND} bytes.
 */
@AddLifecycleHook(FuzzTries.class)
class IdxReaderFuzzTest {
    /** The readers' bound for these inputs: a few buffers; a declared size is paid only as its bytes arrive. */
    static final long BOUND = 4 << 20;
    static final Duration LIMIT = Duration.ofSeconds(5);

    static final byte[] IMAGES;
    static final byte[] LABELS;

    static {
        try {
            Path dir = Files.createTempDirectory("idx-fuzz");
            byte[] pixels = new byte[6 * 5 * 4];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (byte) (i * 37);
            }
            IdxWriter.writeImages(dir.resolve("i"), new IdxImages(6, 5, 4, pixels));
            IdxWriter.writeLabels(dir.resolve("l"), new int[] {0, 9, 3, 3, 7, 1});
            IMAGES = Files.readAllBytes(dir.resolve("i"));
            LABELS = Files.readAllBytes(dir.resolve("l"));
            Files.delete(dir.resolve("i"));
            Files.delete(dir.resolve("l"));
            Files.delete(dir);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    @Provide
    Arbitrary<List<Mutations.Mutation>> mutations() {
        return Mutations.lists();
    }

    /** Both readers on {@code bytes}: only IdxFormatException, in time, within the bound. */
    static void readersAreSafe(byte[] bytes, String what) throws Exception {
        check(what + " as images", () -> IdxReader.readImages(new ByteArrayInputStream(bytes), "f"));
        check(what + " as labels", () -> IdxReader.readLabels(new ByteArrayInputStream(bytes), "f", 10));
    }

    static void check(String what, java.util.concurrent.Callable<?> read) throws Exception {
        Bounded.Outcome o = Bounded.run(LIMIT, what, read);
        if (o.thrown() != null && !(o.thrown() instanceof IdxFormatException)) {
            throw new AssertionError(what + ": undocumented " + o.thrown(), o.thrown());
        }
        assertTrue(o.thrown() == null || o.thrown().getMessage().startsWith("f: "), what + ": message must name the file: " + o.thrown());
        assertTrue(o.allocatedBytes() < BOUND, what + ": allocated " + o.allocatedBytes() + " bytes");
    }

    @Property
    void mutatedPlainFiles(@ForAll("mutations") List<Mutations.Mutation> ms) throws Exception {
        readersAreSafe(Mutations.apply(IMAGES, ms), "images " + ms);
        readersAreSafe(Mutations.apply(LABELS, ms), "labels " + ms);
    }

    @Property
    void mutatedThenCompressed(@ForAll("mutations") List<Mutations.Mutation> ms) throws Exception {
        readersAreSafe(gzip(Mutations.apply(IMAGES, ms)), "gzip(images) " + ms);
    }

    @Property
    void mutatedCompressedBytes(@ForAll("mutations") List<Mutations.Mutation> ms) throws Exception {
        readersAreSafe(Mutations.apply(gzip(IMAGES), ms), "images.gz " + ms);
        readersAreSafe(Mutations.apply(gzip(LABELS), ms), "labels.gz " + ms);
    }
}
