/**
 * Actuator endpoint and health indicator for SO_REUSEPORT listeners.
 */
@NullMarked
package dev.reuseport.actuate;

import org.jspecify.annotations.NullMarked;
