/**
 * Micrometer meters for SO_REUSEPORT listeners.
 */
@NullMarked
package dev.reuseport.metrics;

import org.jspecify.annotations.NullMarked;
