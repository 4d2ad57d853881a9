package org.bnlab.lab.report;

/** What a measurement says about a claim of the BN paper. */
public enum Verdict {
    SUPPORTED("supported"),
    NOT_SUPPORTED("not supported"),
    MIXED("mixed"),
    /** The run was too short to tell (e.g. {@code --quick}): the reason says what would settle it. */
    NOT_SETTLED("not settled");

    private final String label;

    Verdict(String label) {
        this.label = label;
    }

    /** The lower-case text shown on the report's badge. */
    public String label() {
        return label;
    }
}
