/**
 * Auto-configuration for one SO_REUSEPORT listener per event loop, on epoll or io_uring.
 */
@NullMarked
package dev.reuseport.autoconfigure;

import org.jspecify.annotations.NullMarked;
