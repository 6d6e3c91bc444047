/**
 * Thin Spark adapters over {@link dev.xent.kernel}: convert Spark values to primitive arrays, call
 * a kernel, convert the answer back. {@link dev.xent.spark.XentFunctions} is the one list of SQL
 * names; {@link dev.xent.spark.XentExtensions} makes them available through {@code
 * spark.sql.extensions}.
 */
package dev.xent.spark;
