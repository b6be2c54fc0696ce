/**
 * Reactor Netty HTTP clients whose calls from a request handler stay on the event loop of
 * the listener that serves the request.
 */
@NullMarked
package dev.reuseport.client;

import org.jspecify.annotations.NullMarked;
