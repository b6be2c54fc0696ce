package dev.reuseport.server;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver.State;
import reactor.netty.http.server.HttpServerState;

/**
 * Counts the TCP connections one {@link ReuseportListener} accepts, those still open,
 * those it hands to another listener's loop and the requests they carry, and reports each
 * connection to the drain of the loop that serves it.
 */
final class ListenerConnections {

	private final ListenerLoop loop;

	private final LongAdder accepted = new LongAdder();

	private final LongAdder active = new LongAdder();

	private final LongAdder requests = new LongAdder();

	private final LongAdder handoffs = new LongAdder();

	/**
	 * Create the counters of a listener.
	 * @param loop the listener's own loop
	 */
	ListenerConnections(ListenerLoop loop) {
		this.loop = loop;
	}

	long accepted() {
		return this.accepted.sum();
	}

	long active() {
		return this.active.sum();
	}

	long handoffs() {
		return this.handoffs.sum();
	}

	long requests() {
		return this.requests.sum();
	}

	/**
	 * Called once per accepted TCP connection, on the loop that serves it. HTTP/2 streams
	 * are child channels of the connection and are not seen here. The connection drains
	 * with the others of its loop, where its state is confined.
	 * @param channel the accepted connection
	 * @param drains the drain of the connections served on a loop of the server
	 */
	void connectionAccepted(Channel channel, Function<EventLoop, @Nullable ConnectionDrain> drains) {
		this.accepted.increment();
		this.active.increment();
		ConnectionDrain drain;
		if (channel.eventLoop() == this.loop.eventLoop()) {
			drain = this.loop.drain();
		}
		else {
			this.handoffs.increment();
			drain = drains.apply(channel.eventLoop());
		}
		// Created with the serving loop, before any listener binds, and released with it
		if (drain != null) {
			drain.connectionOpened(channel);
		}
		channel.closeFuture().addListener((future) -> {
			this.active.decrement();
			if (drain != null) {
				drain.connectionClosed(channel);
			}
		});
	}

	/**
	 * Called on the listener's loop for each state change of each connection and HTTP/2
	 * stream; {@code REQUEST_RECEIVED} comes once per request of any protocol.
	 * @param connection the connection or stream
	 * @param state its new state
	 */
	void connectionStateChanged(Connection connection, State state) {
		if (state == HttpServerState.REQUEST_RECEIVED) {
			this.requests.increment();
		}
	}

}
