/**
 * Server C: raw Netty 4.2 on epoll, one SO_REUSEPORT listener per event loop.
 */
@NullMarked
package dev.reuseport.bench.netty;

import org.jspecify.annotations.NullMarked;
