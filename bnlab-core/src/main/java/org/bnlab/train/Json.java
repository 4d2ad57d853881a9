package org.bnlab.train;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * The one JSON mapper of the project: checkpoint metadata, safetensors headers, metrics.jsonl,
 * final.json and the lab's metrics.json all go through it.
 *
 * <p>Reading is strict: a duplicate key or trailing content is an error (a file that says two
 * different things is corrupt, not ambiguous). Writing is strict JSON: non-finite numbers (a diverged
 * run's loss) are written as {@code null}, since {@code NaN} is not JSON.
 */
public final class Json {
    private Json() {
    }

    /** The mapper: strict reading, non-finite numbers written as null. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(nonFiniteAsNull())
            .build();

    /** Indented two spaces per level, for files people read (final.json, metrics.json). */
    public static final ObjectWriter PRETTY = MAPPER.writer(printer());

    private static DefaultPrettyPrinter printer() {
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter().withObjectIndenter(indent).withArrayIndenter(indent);
    }

    private static SimpleModule nonFiniteAsNull() {
        SimpleModule m = new SimpleModule("non-finite-as-null");
        JsonSerializer<Double> dbl = new JsonSerializer<>() {
            @Override
            public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
                number(g, v);
            }
        };
        JsonSerializer<Float> flt = new JsonSerializer<>() {
            @Override
            public void serialize(Float v, JsonGenerator g, SerializerProvider p) throws IOException {
                if (Float.isFinite(v)) {
                    g.writeNumber(v);
                } else {
                    g.writeNull();
                }
            }
        };
        m.addSerializer(Double.class, dbl);
        m.addSerializer(double.class, dbl);
        m.addSerializer(Float.class, flt);
        m.addSerializer(float.class, flt);
        m.addSerializer(double[].class, new JsonSerializer<>() {
            @Override
            public void serialize(double[] v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray();
                for (double d : v) {
                    number(g, d);
                }
                g.writeEndArray();
            }
        });
        m.addSerializer(float[].class, new JsonSerializer<>() {
            @Override
            public void serialize(float[] v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray();
                for (float f : v) {
                    if (Float.isFinite(f)) {
                        g.writeNumber(f);
                    } else {
                        g.writeNull();
                    }
                }
                g.writeEndArray();
            }
        });
        return m;
    }

    private static void number(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeNull();
        }
    }
}
