package org.bnlab.lab.report;

/** Argument checks shared by the report's data classes. */
final class Texts {
    private Texts() {}

    static String requireText(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }

    /** Ids name files (charts/&lt;experiment&gt;-&lt;chart&gt;.svg) and HTML anchors, so they stay plain. */
    static String requireId(String id, String what) {
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new IllegalArgumentException(what + " must match [A-Za-z0-9][A-Za-z0-9_.-]*, got '" + id + "'");
        }
        return id;
    }
}
