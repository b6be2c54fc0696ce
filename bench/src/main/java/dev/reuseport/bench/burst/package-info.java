/**
 * The burst-accept client and its reading of the kernel's listen-queue counters.
 */
@NullMarked
package dev.reuseport.bench.burst;

import org.jspecify.annotations.NullMarked;
