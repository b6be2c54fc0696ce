/**
 * A Reactor Netty web server that binds one SO_REUSEPORT epoll listener per event loop.
 */
@NullMarked
package dev.reuseport.server;

import org.jspecify.annotations.NullMarked;
