package org.bnlab.lab.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A table of text cells under a header row; numbers are formatted by the experiment, which knows
 * their precision.
 *
 * <pre>{@code
 * Table t = Table.of("model", "learning rate", "steps to 95%")
 *         .row("no BN", "0.01", "9,800")
 *         .row("BN", "0.01", "2,100");
 * }</pre>
 */
public final class Table {
    private final List<String> headers;
    private final List<List<String>> rows;

    private Table(List<String> headers, List<List<String>> rows) {
        this.headers = headers;
        this.rows = rows;
    }

    /** An empty table with these column headers. */
    public static Table of(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        for (String h : headers) {
            Objects.requireNonNull(h, "header");
        }
        return new Table(List.of(headers), List.of());
    }

    /** This table with one more row; it must have one cell per header. */
    public Table row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size()
                    + " columns " + headers);
        }
        for (String c : cells) {
            Objects.requireNonNull(c, "cell");
        }
        List<List<String>> more = new ArrayList<>(rows);
        more.add(List.of(cells));
        return new Table(headers, List.copyOf(more));
    }

    public List<String> headers() { return headers; }
    public List<List<String>> rows() { return rows; }
}
