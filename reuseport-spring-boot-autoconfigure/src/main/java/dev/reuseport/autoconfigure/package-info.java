/**
 * Auto-configuration for one SO_REUSEPORT epoll listener per event loop.
 */
@NullMarked
package dev.reuseport.autoconfigure;

import org.jspecify.annotations.NullMarked;
