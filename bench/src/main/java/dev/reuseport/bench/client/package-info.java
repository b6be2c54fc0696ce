/**
 * The load clients that wrk cannot be: the burst, the stalled-loop load and the warm-up
 * driver, and their reading of the kernel's listen-queue counters.
 */
@NullMarked
package dev.reuseport.bench.client;

import org.jspecify.annotations.NullMarked;
