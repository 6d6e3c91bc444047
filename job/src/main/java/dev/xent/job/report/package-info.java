/**
 * The HTML audit report: {@link dev.xent.job.report.HtmlReport} reads an output directory
 * (metrics.json, and per_class.parquet / slices.parquet when present) without Spark, {@link
 * dev.xent.job.report.ReportModel} turns it into view records with every SVG coordinate computed,
 * and a Mustache template (which escapes every value) places them.
 */
package dev.xent.job.report;
