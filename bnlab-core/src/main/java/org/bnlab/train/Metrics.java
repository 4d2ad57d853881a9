package org.bnlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The one JSON mapper of the project: ordered, pretty where files are read by people. */
public final class Metrics {
    private Metrics() {}

    /** Compact, one object per line (metrics.jsonl). */
    public static final ObjectMapper JSON = new ObjectMapper();

    /** Indented (final.json, metrics.json). */
    public static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
}
