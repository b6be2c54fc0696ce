/**
 * The report of a benchmark run: parsing of the raw outputs, the statistics and the
 * Markdown.
 */
@NullMarked
package dev.reuseport.bench.report;

import org.jspecify.annotations.NullMarked;
