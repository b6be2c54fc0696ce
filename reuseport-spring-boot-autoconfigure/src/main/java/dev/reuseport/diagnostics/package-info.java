/**
 * Exceptions and failure analysis for SO_REUSEPORT listeners.
 */
@NullMarked
package dev.reuseport.diagnostics;

import org.jspecify.annotations.NullMarked;
