package org.bnlab.lab.report;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@link ReportWriter} writes: the experiments' results and where they came from.
 *
 * <p>{@code provenance} holds config, seeds, dataset, git commit, JVM, CPU, date and wall time
 * (e.g. {@code org.bnlab.train.Provenance.collect()} plus the run's own fields). It is the one
 * place for values that differ between two runs of the same config; see docs/REPORT.md.
 *
 * @param title       the report's title
 * @param experiments the results, in the order the report shows them
 * @param provenance  where the results came from, in its order (sorted by key if it has none)
 */
@SuppressWarnings("unchecked")
public record Report(String title, List<ExperimentResult> experiments, Map<String, Object> provenance) {
    public Report {
        Texts.requireText(title, "report title");
        experiments = List.copyOf(experiments);
        // A map without an order of its own (Map.of, HashMap) is sorted, so the report's order is stable.
        provenance = Collections.unmodifiableMap(new LinkedHashMap<>(
                (Map<String, Object>) MetricsJson.ordered(Objects.requireNonNull(provenance, "provenance"))));
        Set<String> names = new HashSet<>();
        for (ExperimentResult e : experiments) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("two experiments are named '" + e.name() + "'");
            }
        }
    }
}
