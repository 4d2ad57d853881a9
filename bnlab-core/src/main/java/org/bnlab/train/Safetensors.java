package org.bnlab.train;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bnlab.data.InputFiles;
import org.bnlab.nn.StateDict;
import org.bnlab.tensor.Shapes;

/**
 * Reads and writes {@link StateDict}s in the safetensors format, so that a bnlab model file loads
 * in PyTorch ({@code model.load_state_dict(safetensors.torch.load_file(path))}) and back.
 *
 * <p>Layout (little-endian throughout):
 * <pre>
 *   u64 N                      header length in bytes
 *   N bytes of UTF-8 JSON      {"__metadata__": {"k": "v", ...},
 *                               "name": {"dtype": "F32", "shape": [5, 6], "data_offsets": [begin, end]}, ...}
 *                              padded with spaces so the data section starts 8-byte aligned
 *   data section               raw C-order tensor bytes; offsets relative to its start
 * </pre>
 * Only F32 and I64 are supported: they are all a {@link StateDict} holds.
 *
 * <p>The writer lays tensors out in state_dict order, contiguously from offset 0, and writes through
 * {@link AtomicFile}. The reader treats the file as untrusted: header length against the file size
 * and a 100 MB limit, strict UTF-8 JSON (no duplicate names, nothing after the object), every
 * {@code end - begin == numel * dtype size}, tensors contiguous without gaps or overlaps, and the data
 * section ending exactly at the end of the file. Every violation is a {@link FormatException} naming
 * the file and the problem. Loaded entries are in data-offset order, which for files written here
 * (and by PyTorch's tooling in state_dict order) is state_dict order.
 */
public final class Safetensors {

    /** The reference implementation's limit; real headers are kilobytes to a few megabytes. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The reserved header key holding the string-to-string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** A loaded file: the tensors and the {@code __metadata__} map (empty if the file has none). */
    public record Loaded(StateDict stateDict, Map<String, String> metadata) {
    }

    /** A file that is not a valid safetensors file, or holds something bnlab cannot represent. */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(Path file, String problem) {
            super(file + ": " + problem);
        }
    }

    private enum DType {
        F32(4), I64(8);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Where one tensor lives, as the header says (offsets relative to the data section). */
    private record Spec(String name, DType dtype, int[] shape, int numel, long begin, long end) {
    }

    private static final ObjectMapper JSON = Json.MAPPER;

    private static final int CHUNK_BYTES = 1 << 16;

    private Safetensors() {
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code sd} and {@code metadata} to {@code file} atomically: the file is replaced only
     * once the complete new content is on disk. An entry whose array length does not match its shape
     * is an IllegalArgumentException, thrown before anything is written.
     */
    public static void save(Path file, StateDict sd, Map<String, String> metadata) throws IOException {
        byte[] header = header(sd, metadata);
        AtomicFile.write(file, out -> {
            byte[] len = new byte[8];
            ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            out.write(len);
            out.write(header);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (StateDict.Entry e : sd.entries().values()) {
                writeData(out, e, buf);
            }
        });
    }

    /** The padded JSON header; validates every entry and the metadata. */
    private static byte[] header(StateDict sd, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("safetensors metadata cannot hold null (key " + k + ")");
                }
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (Map.Entry<String, StateDict.Entry> me : sd.entries().entrySet()) {
            String name = me.getKey();
            StateDict.Entry e = me.getValue();
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + METADATA_KEY);
            }
            if ((e.f32() == null) == (e.i64() == null)) {
                throw new IllegalArgumentException("state_dict entry '" + name + "' must hold exactly one of f32 / i64");
            }
            long numel = Shapes.numel("state_dict entry '" + name + "'", e.shape());
            if (numel != e.numel()) {
                throw new IllegalArgumentException("state_dict entry '" + name + "' has shape " + Arrays.toString(e.shape())
                        + " but its array holds " + e.numel() + " elements");
            }
            DType dtype = e.f32() != null ? DType.F32 : DType.I64;
            long end = offset + numel * dtype.bytes;
            ObjectNode t = root.putObject(name);
            t.put("dtype", dtype.name());
            Arrays.stream(e.shape()).forEach(t.putArray("shape")::add);
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot serialize a safetensors header", ex);
        }
        int padded = (json.length + 7) & ~7;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeData(OutputStream out, StateDict.Entry e, ByteBuffer buf) throws IOException {
        if (e.f32() != null) {
            float[] a = e.f32();
            int step = buf.capacity() / 4;
            for (int i = 0; i < a.length; i += step) {
                int n = Math.min(step, a.length - i);
                buf.clear();
                buf.asFloatBuffer().put(a, i, n); // raw bits: NaN payloads survive
                out.write(buf.array(), 0, n * 4);
            }
        } else {
            long[] a = e.i64();
            int step = buf.capacity() / 8;
            for (int i = 0; i < a.length; i += step) {
                int n = Math.min(step, a.length - i);
                buf.clear();
                buf.asLongBuffer().put(a, i, n);
                out.write(buf.array(), 0, n * 8);
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads and validates {@code file}; see the class comment for what is checked. Memory is bounded by
     * the file: every size is checked against the file's length before the array it sizes is allocated.
     *
     * @throws FormatException for any content that is not a valid safetensors file bnlab can hold
     * @throws java.nio.file.NoSuchFileException if {@code file} does not exist
     * @throws java.nio.file.FileSystemException if it is a directory, FIFO, socket or device (refused
     *         before opening: reading a FIFO would block)
     * @throws IOException if reading fails; no other exception is thrown for any file content
     */
    public static Loaded load(Path file) throws IOException {
        InputFiles.requireRegularFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new FormatException(file, "file is " + size
                        + " bytes, shorter than the 8-byte header length; not a safetensors file");
            }
            long n = readFully(file, ch, 0, 8).getLong();
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new FormatException(file, "header length " + Long.toUnsignedString(n) + " bytes is larger than the "
                        + MAX_HEADER_BYTES + "-byte limit; not a safetensors file or corrupt");
            }
            if (8 + n > size) {
                throw new FormatException(file, "header length " + n + " bytes runs past the end of the " + size
                        + "-byte file; truncated or not a safetensors file");
            }
            JsonNode root = parseJson(file, readFully(file, ch, 8, (int) n).array());
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Spec> specs = new ArrayList<>();
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                if (f.getKey().equals(METADATA_KEY)) {
                    readMetadata(file, f.getValue(), metadata);
                } else {
                    specs.add(spec(file, f.getKey(), f.getValue()));
                }
            }
            checkLayout(file, specs, size - 8 - n);
            StateDict sd = new StateDict();
            long dataStart = 8 + n;
            for (Spec s : specs) {
                ByteBuffer b = readFully(file, ch, dataStart + s.begin(), (int) (s.end() - s.begin()));
                if (s.dtype() == DType.F32) {
                    float[] a = new float[s.numel()];
                    b.asFloatBuffer().get(a);
                    sd.put(s.name(), StateDict.Entry.f32(a, s.shape()));
                } else {
                    long[] a = new long[s.numel()];
                    b.asLongBuffer().get(a);
                    sd.put(s.name(), StateDict.Entry.i64(a, s.shape()));
                }
            }
            return new Loaded(sd, Collections.unmodifiableMap(metadata));
        }
    }

    private static JsonNode parseJson(Path file, byte[] header) throws FormatException {
        String text;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header));
            text = cb.toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(file, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
            throw new FormatException(file, "header is not valid JSON: " + e.getOriginalMessage() + where);
        }
        if (root == null || root.isMissingNode()) {
            throw new FormatException(file, "header holds no JSON value, only whitespace");
        }
        if (!root.isObject()) {
            throw new FormatException(file, "header is not a JSON object");
        }
        return root;
    }

    private static void readMetadata(Path file, JsonNode meta, Map<String, String> out) throws FormatException {
        if (!meta.isObject()) {
            throw new FormatException(file, METADATA_KEY + " is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> f : meta.properties()) {
            if (!f.getValue().isTextual()) {
                throw new FormatException(file, METADATA_KEY + " value of '" + f.getKey()
                        + "' is not a string (the format allows only string values)");
            }
            out.put(f.getKey(), f.getValue().textValue());
        }
    }

    private static Spec spec(Path file, String name, JsonNode t) throws FormatException {
        String what = "tensor '" + name + "'";
        if (!t.isObject()) {
            throw new FormatException(file, what + " is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> f : t.properties()) {
            String k = f.getKey();
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new FormatException(file, what + " has unknown field '" + k + "'");
            }
        }
        JsonNode dt = t.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new FormatException(file, what + " has no string field 'dtype'");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dt.textValue());
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, what + " has dtype '" + dt.textValue()
                    + "', which bnlab does not read (supported: F32, I64)");
        }
        long[] shapeL = naturals(file, what, t.get("shape"), "shape", -1);
        long[] offsets = naturals(file, what, t.get("data_offsets"), "data_offsets", 2);
        int[] shape = new int[shapeL.length];
        long numel;
        try {
            numel = Shapes.arrayLength(what, shapeL); // exact: checked before anything is allocated
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, e.getMessage());
        }
        for (int i = 0; i < shape.length; i++) {
            if (shapeL[i] > Integer.MAX_VALUE) { // only with a zero elsewhere: the product fits
                throw new FormatException(file, what + " shape " + Arrays.toString(shapeL) + " has a dimension beyond 2^31 - 1");
            }
            shape[i] = (int) shapeL[i];
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new FormatException(file, what + " has data_offsets [" + begin + ", " + end + "] with end before begin");
        }
        if (end - begin != numel * dtype.bytes) {
            throw new FormatException(file, what + " has data_offsets [" + begin + ", " + end + "] spanning "
                    + (end - begin) + " bytes, but shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + numel * dtype.bytes);
        }
        return new Spec(name, dtype, shape, (int) numel, begin, end);
    }

    /** A JSON array of non-negative integers (of length {@code len} unless it is -1). */
    private static long[] naturals(Path file, String what, JsonNode a, String field, int len) throws FormatException {
        if (a == null || !a.isArray() || (len >= 0 && a.size() != len)) {
            throw new FormatException(file, what + " field '" + field + "' must be an array of "
                    + (len >= 0 ? len + " " : "") + "non-negative integers, got " + a);
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = a.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new FormatException(file, what + " field '" + field + "' must hold non-negative integers, got " + a);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Sorts {@code specs} by offset and checks they tile the data section exactly. */
    private static void checkLayout(Path file, List<Spec> specs, long dataBytes) throws FormatException {
        specs.sort(Comparator.comparingLong(Spec::begin).thenComparingLong(Spec::end));
        long expected = 0;
        Spec prev = null;
        for (Spec s : specs) {
            if (s.begin() < expected) {
                throw new FormatException(file, "tensor '" + s.name() + "' data_offsets [" + s.begin() + ", " + s.end()
                        + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + "]");
            }
            if (s.begin() > expected) {
                throw new FormatException(file, "gap of " + (s.begin() - expected) + " bytes before tensor '" + s.name()
                        + "' (data_offsets [" + s.begin() + ", " + s.end() + "]): tensors must be contiguous");
            }
            expected = s.end();
            prev = s;
        }
        if (expected > dataBytes) {
            throw new FormatException(file, "data section has " + dataBytes + " bytes but the header's tensors need "
                    + expected + "; file truncated");
        }
        if (expected < dataBytes) {
            throw new FormatException(file, (dataBytes - expected) + " trailing bytes after the last tensor");
        }
    }

    private static ByteBuffer readFully(Path file, FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new FormatException(file, "file ended while reading; it changed while being read");
            }
        }
        return b.flip();
    }
}
