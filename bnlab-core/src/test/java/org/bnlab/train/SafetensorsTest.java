package org.bnlab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bnlab.nn.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors against files PyTorch wrote (tools/golden/gen_checkpoint_golden.py), the format's
 * layout rules, every corruption the reader must name, and the atomic write.
 */
class SafetensorsTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden/checkpoint");
    private static final Path TORCH_MODEL = GOLDEN.resolve("torch_model.safetensors");
    private static final Path TORCH_IO = GOLDEN.resolve("torch_io.safetensors");
    /** Kept after the build for the PyTorch-side check described in the generator script. */
    private static final Path JAVA_MODEL = Path.of("target/golden-check/java_model.safetensors");

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- PyTorch golden

    @Test
    void readsPyTorchStateDict() throws IOException {
        Safetensors.Loaded l = Safetensors.load(TORCH_MODEL);
        assertEquals(Map.of("format", "pt"), l.metadata());
        Map<String, StateDict.Entry> e = l.stateDict().entries();
        assertEquals(List.of("0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "3.weight", "3.bias"), new ArrayList<>(e.keySet()));
        int[][] shapes = {{5, 6}, {5}, {5}, {5}, {5}, {}, {3, 5}, {3}};
        int i = 0;
        for (Map.Entry<String, StateDict.Entry> me : e.entrySet()) {
            assertArrayEquals(shapes[i++], me.getValue().shape(), me.getKey());
            boolean counter = me.getKey().equals("1.num_batches_tracked");
            assertEquals(counter, me.getValue().i64() != null, me.getKey() + " dtype");
            assertEquals(counter, me.getValue().f32() == null, me.getKey() + " dtype");
        }
        assertArrayEquals(new long[] {2}, e.get("1.num_batches_tracked").i64());
        // Values printed by the generator with numpy's shortest float32 repr.
        assertEquals(0.026839301f, e.get("0.weight").f32()[0]);
        assertEquals(-0.09192156f, e.get("0.weight").f32()[4 * 6 + 5]);
        assertEquals(0.9978914f, e.get("1.weight").f32()[2]);
        assertEquals(-0.060031936f, e.get("1.running_mean").f32()[0]);
        assertEquals(1.0740248f, e.get("1.running_var").f32()[4]);
        assertEquals(0.3379951f, e.get("3.bias").f32()[2]);
    }

    /** Every value is interpreted right (row-major [out, in] weights, BN buffers) iff the eval output matches. */
    @Test
    void pyTorchStateDictReproducesEvalOutput() throws IOException {
        StateDict sd = Safetensors.load(TORCH_MODEL).stateDict();
        StateDict io = Safetensors.load(TORCH_IO).stateDict();
        float[] x = io.require("input").f32();
        float[] expected = io.require("output").f32();
        assertArrayEquals(new int[] {4, 3}, io.require("output").shape());
        double[] y = evalForward(sd, x, 4);
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], y[k], 1e-6, "output " + k);
        }
    }

    /** Linear(6,5,no bias) -> BatchNorm1d(5) eval -> Sigmoid -> Linear(5,3), in double. */
    private static double[] evalForward(StateDict sd, float[] x, int n) {
        float[] w0 = sd.require("0.weight").f32();
        float[] g = sd.require("1.weight").f32();
        float[] b = sd.require("1.bias").f32();
        float[] rm = sd.require("1.running_mean").f32();
        float[] rv = sd.require("1.running_var").f32();
        float[] w3 = sd.require("3.weight").f32();
        float[] b3 = sd.require("3.bias").f32();
        double[] y = new double[n * 3];
        for (int r = 0; r < n; r++) {
            double[] s = new double[5];
            for (int j = 0; j < 5; j++) {
                double h = 0;
                for (int k = 0; k < 6; k++) {
                    h += (double) x[r * 6 + k] * w0[j * 6 + k];
                }
                double z = (h - rm[j]) / Math.sqrt(rv[j] + 1e-5) * g[j] + b[j];
                s[j] = 1 / (1 + Math.exp(-z));
            }
            for (int o = 0; o < 3; o++) {
                double acc = b3[o];
                for (int j = 0; j < 5; j++) {
                    acc += s[j] * w3[o * 5 + j];
                }
                y[r * 3 + o] = acc;
            }
        }
        return y;
    }

    /** With the same metadata, Java's file is byte-for-byte the file PyTorch's side wrote. */
    @Test
    void writesTheGoldenFileByteForByte() throws IOException {
        StateDict sd = Safetensors.load(TORCH_MODEL).stateDict();
        Path f = tmp.resolve("model.safetensors");
        Safetensors.save(f, sd, Map.of("format", "pt"));
        assertArrayEquals(Files.readAllBytes(TORCH_MODEL), Files.readAllBytes(f));
    }

    /** Writes the file the PyTorch-side check loads, and checks the layout the spec requires. */
    @Test
    void javaWrittenHeaderFollowsTheSpec() throws IOException {
        StateDict sd = Safetensors.load(TORCH_MODEL).stateDict();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(Checkpoint.MODEL_KEY, "{\"layers\":[\"Linear(6,5,bias=False)\",\"BatchNorm1d(5)\",\"Sigmoid\",\"Linear(5,3)\"]}");
        meta.put(Checkpoint.CONFIG_KEY, "{\"lr\":0.1,\"momentum\":0.9,\"seed\":0}");
        Files.createDirectories(JAVA_MODEL.getParent());
        Safetensors.save(JAVA_MODEL, sd, meta);

        byte[] bytes = Files.readAllBytes(JAVA_MODEL);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "data section must start 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        assertTrue(header.stripTrailing().endsWith("}"));
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '), "pad with spaces");
        JsonNode root = new ObjectMapper().readTree(header);
        List<String> names = new ArrayList<>();
        root.properties().forEach(p -> names.add(p.getKey()));
        assertEquals(Safetensors.METADATA_KEY, names.get(0));
        assertEquals(meta.get(Checkpoint.CONFIG_KEY), root.get(Safetensors.METADATA_KEY).get(Checkpoint.CONFIG_KEY).textValue());
        long offset = 0;
        for (Map.Entry<String, StateDict.Entry> me : sd.entries().entrySet()) {
            JsonNode t = root.get(me.getKey());
            assertEquals(me.getValue().f32() != null ? "F32" : "I64", t.get("dtype").textValue());
            assertEquals(Arrays.toString(me.getValue().shape()), t.get("shape").toString().replace(",", ", "));
            assertEquals(offset, t.get("data_offsets").get(0).longValue(), "contiguous from 0, in state_dict order");
            offset = t.get("data_offsets").get(1).longValue();
        }
        assertEquals(sd.entries().size() + 1, names.size());
        assertEquals(bytes.length, 8 + n + offset, "data ends at the end of the file");
        assertEquals(meta, Safetensors.load(JAVA_MODEL).metadata());
    }

    // ---------------------------------------------------------------- round trip

    @Test
    void roundTripIsBitExact() throws IOException {
        StateDict sd = new StateDict();
        float[] special = {Float.intBitsToFloat(0x7fc01234), Float.intBitsToFloat(0xffa00001), -0.0f, 0.0f,
                Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.1754942e-38f, 1f / 3};
        sd.put("a.weight", StateDict.Entry.f32(special, 2, 5));
        sd.put("a.num_batches_tracked", StateDict.Entry.i64(new long[] {Long.MAX_VALUE}));
        sd.put("b.counts", StateDict.Entry.i64(new long[] {Long.MIN_VALUE, -1, 0, 1L << 53 | 1}, 4));
        sd.put("c.empty", StateDict.Entry.f32(new float[0], 0, 3));
        float[] big = new float[100_003]; // spans several write chunks
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) Math.sin(i) * i;
        }
        sd.put("d.big", StateDict.Entry.f32(big, 100_003));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("bnlab.config", "{\"quote\":\"\\\"\",\"nl\":\"a\\nb\"}\n\t\u00e9\u4e2d\ud83d\ude00");
        meta.put("", "empty key");

        Path f = tmp.resolve("rt.safetensors");
        Safetensors.save(f, sd, meta);
        Safetensors.Loaded l = Safetensors.load(f);
        assertEquals(meta, l.metadata());
        assertEquals(new ArrayList<>(sd.entries().keySet()), new ArrayList<>(l.stateDict().entries().keySet()));
        for (Map.Entry<String, StateDict.Entry> me : sd.entries().entrySet()) {
            StateDict.Entry want = me.getValue();
            StateDict.Entry got = l.stateDict().require(me.getKey());
            assertArrayEquals(want.shape(), got.shape(), me.getKey());
            if (want.f32() != null) {
                assertNull(got.i64());
                assertArrayEquals(bits(want.f32()), bits(got.f32()), me.getKey());
            } else {
                assertNull(got.f32());
                assertArrayEquals(want.i64(), got.i64(), me.getKey());
            }
        }
        assertArrayEquals(new int[0], l.stateDict().require("a.num_batches_tracked").shape());
    }

    @Test
    void emptyStateDictAndNoMetadata() throws IOException {
        Path f = tmp.resolve("empty.safetensors");
        Safetensors.save(f, new StateDict(), Map.of());
        Safetensors.Loaded l = Safetensors.load(f);
        assertTrue(l.stateDict().entries().isEmpty());
        assertTrue(l.metadata().isEmpty());
        assertEquals(16, Files.size(f), "8-byte length + \"{}\" padded to 8");
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    // ---------------------------------------------------------------- corruption

    /** Asserts a clear error: a FormatException whose message names the file and contains {@code what}. */
    private static Safetensors.FormatException assertCorrupt(Path f, String what) {
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> Safetensors.load(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(what), "expected '" + what + "' in: " + e.getMessage());
        assertNull(e.getCause(), "no wrapped parser stack trace");
        return e;
    }

    private Path withBytes(String name, byte[] content) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, content);
        return f;
    }

    /** A file with the given header text (unpadded) and {@code dataBytes} zero bytes of data. */
    private Path crafted(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return withBytes("crafted.safetensors", b.array());
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void truncatedAnywhereIsNamed() throws IOException {
        byte[] good = Files.readAllBytes(TORCH_MODEL);
        int n = (int) headerLength(good);
        for (int len : new int[] {0, 1, 7}) {
            assertCorrupt(withBytes("t" + len, Arrays.copyOf(good, len)), "shorter than the 8-byte header length");
        }
        for (int len : new int[] {8, 9, 8 + n / 2, 8 + n - 1}) {
            assertCorrupt(withBytes("t" + len, Arrays.copyOf(good, len)), "runs past the end");
        }
        for (int len : new int[] {8 + n, 8 + n + 1, 8 + n + 100, good.length - 1}) {
            assertCorrupt(withBytes("t" + len, Arrays.copyOf(good, len)), "file truncated");
        }
    }

    @Test
    void badHeaderLengths() throws IOException {
        byte[] good = Files.readAllBytes(TORCH_MODEL);
        long n = headerLength(good);
        for (long bad : new long[] {-1L, 1L << 40, Safetensors.MAX_HEADER_BYTES + 1}) {
            byte[] f = good.clone();
            ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bad);
            assertCorrupt(withBytes("len", f), "limit");
        }
        byte[] f = good.clone();
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length);
        assertCorrupt(withBytes("len", f), "runs past the end");
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n - 8);
        assertCorrupt(withBytes("len", f), "header is not valid JSON");
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n + 8);
        assertCorrupt(withBytes("len", f), "header is not valid"); // binary data taken in: bad UTF-8 or JSON
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0);
        assertCorrupt(withBytes("len", f), "header holds no JSON value");
    }

    @Test
    void flippedHeaderBytes() throws IOException {
        byte[] good = Files.readAllBytes(TORCH_MODEL);
        int n = (int) headerLength(good);
        String header = new String(good, 8, n, StandardCharsets.UTF_8);
        String[][] edits = {
            {"{\"__metadata__\"", "[\"__metadata__\"", "header is not valid JSON"},
            {"\"format\":\"pt\"}", "\"format\":\"pt\"]", "header is not valid JSON"},
            {"\"dtype\":\"F32\",\"shape\":[5,6]", "\"dtype\":\"F16\",\"shape\":[5,6]", "dtype 'F16'"},
            {"\"dtype\":\"F32\",\"shape\":[5,6]", "\"dtype\":\"X32\",\"shape\":[5,6]", "dtype 'X32'"},
            {"\"shape\":[5,6]", "\"shape\":[5,7]", "spanning 120 bytes, but shape [5, 7] of F32 needs 140"},
            {"[0,120]", "[0,124]", "spanning 124 bytes"},
            {"\"data_offsets\":[120,140]", "\"data_offsets\":[124,144]", "gap of 4 bytes before tensor '1.weight'"},
            {"\"3.bias\"", "\"1.bias\"", "Duplicate field '1.bias'"},
        };
        for (String[] e : edits) {
            assertTrue(header.contains(e[0]), e[0]);
            byte[] h = header.replace(e[0], e[1]).getBytes(StandardCharsets.UTF_8);
            assertEquals(n, h.length, "edits keep the header length: " + e[1]);
            byte[] f = good.clone();
            System.arraycopy(h, 0, f, 8, n);
            assertCorrupt(withBytes("flip.safetensors", f), e[2]);
        }
        byte[] f = good.clone();
        f[8 + 3] = (byte) 0xC3; // a lone UTF-8 lead byte inside "__metadata__"
        assertCorrupt(withBytes("utf8", f), "not valid UTF-8");
    }

    @Test
    void craftedLayoutErrors() throws IOException {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        assertCorrupt(crafted("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]");
        assertCorrupt(crafted("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 8), "overlap");
        assertCorrupt(crafted("{" + a + ",\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[12,20]}}", 20),
                "gap of 4 bytes before tensor 'b'");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "gap of 4 bytes");
        assertCorrupt(crafted("{" + a + "}", 4), "data section has 4 bytes but the header's tensors need 8");
        assertCorrupt(crafted("{" + a + "}", 12), "4 trailing bytes after the last tensor");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "end before begin");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "non-negative integers");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8), "non-negative integers");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}", 8), "array of 2");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "'data_offsets' must be an array");
        assertCorrupt(crafted("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "no string field 'dtype'");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8),
                "unknown field 'x'");
        assertCorrupt(crafted("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", 8),
                "has 4294967296 elements, more than the 2147483639 a Java array can hold");
        assertCorrupt(crafted("{\"a\":[1,2]}", 0), "tensor 'a' is not a JSON object");
        assertCorrupt(crafted("{\"__metadata__\":{\"format\":1}}", 0), "value of 'format' is not a string");
        assertCorrupt(crafted("{\"__metadata__\":[]}", 0), "__metadata__ is not a JSON object");
        assertCorrupt(crafted("[]", 0), "header is not a JSON object");
        assertCorrupt(crafted("        ", 0), "header holds no JSON value");
        assertCorrupt(crafted("{} {}", 0), "header is not valid JSON");
        assertCorrupt(crafted("{\"a\":", 0), "header is not valid JSON");
        assertNotNull(Safetensors.load(crafted("{" + a + "}        ", 8)).stateDict().require("a"));
    }

    // ---------------------------------------------------------------- atomic write

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.sorted().toList();
        }
    }

    @Test
    void atomicSaveLeavesNoTempFilesAndReplaces() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        StateDict sd = Safetensors.load(TORCH_MODEL).stateDict();
        Safetensors.save(f, sd, Map.of("v", "1"));
        Safetensors.save(f, sd, Map.of("v", "2"));
        assertEquals(List.of(f), files());
        assertEquals("2", Safetensors.load(f).metadata().get("v"));
    }

    @Test
    void failedSaveKeepsTheOldFile() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Safetensors.save(f, Safetensors.load(TORCH_MODEL).stateDict(), Map.of("v", "old"));
        byte[] before = Files.readAllBytes(f);

        StateDict inconsistent = new StateDict();
        inconsistent.put("ok", StateDict.Entry.f32(new float[4], 4));
        inconsistent.put("bad", StateDict.Entry.f32(new float[2], 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.save(f, inconsistent, Map.of("v", "new")));
        assertTrue(e.getMessage().contains("'bad' has shape [3] but its array holds 2"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(f), files());
    }

    @Test
    void failureMidwayThroughTheWriteKeepsTheOldFile() throws IOException {
        Path f = tmp.resolve("state.bin");
        AtomicFile.write(f, out -> out.write(new byte[] {1, 2, 3}));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(f, out -> {
            out.write(new byte[100_000]); // past the buffer: bytes really reach the temporary file
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals(List.of(f), files());
    }

    @Test
    void bodyMayCloseTheStream() throws IOException {
        Path f = tmp.resolve("config.json");
        AtomicFile.write(f, out -> new ObjectMapper().writeValue(out, Map.of("seed", 7)));
        assertEquals("{\"seed\":7}", Files.readString(f));
        assertEquals(List.of(f), files());
    }
}
