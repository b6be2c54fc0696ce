package dev.reuseport.client;

import io.netty.channel.EventLoop;

/**
 * The listener event loop that a client call is made on.
 *
 * @param listener the index of the listener that owns the loop
 * @param loop the loop
 */
record CallerLoop(int listener, EventLoop loop) {

}
