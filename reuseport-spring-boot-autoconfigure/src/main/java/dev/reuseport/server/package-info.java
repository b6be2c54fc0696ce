/**
 * A Reactor Netty web server that binds one SO_REUSEPORT listener per event loop, on
 * epoll or io_uring.
 */
@NullMarked
package dev.reuseport.server;

import org.jspecify.annotations.NullMarked;
