/**
 * The lab's report: experiments fill {@link org.bnlab.lab.report.ExperimentResult}s (charts of
 * {@link org.bnlab.lab.report.Series}, a {@link org.bnlab.lab.report.Table}, {@link org.bnlab.lab.report.Claim}s
 * and raw metrics), and {@link org.bnlab.lab.report.ReportWriter} turns a
 * {@link org.bnlab.lab.report.Report} into report.html, charts/*.svg|png and metrics.json.
 * Charts are drawn with XChart. See docs/REPORT.md.
 */
package org.bnlab.lab.report;
