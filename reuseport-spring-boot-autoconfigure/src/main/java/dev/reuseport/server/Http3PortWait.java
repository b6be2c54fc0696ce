package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits, on a daemon thread of its own, until no UDP socket holds a port, then runs an
 * action once: the bind of the HTTP/3 listeners of a server that joins or replaces the
 * process holding the port.
 */
final class Http3PortWait {

	private static final Duration INTERVAL = Duration.ofMillis(100);

	private final InetSocketAddress address;

	private final Runnable whenFree;

	private volatile boolean stopped;

	private Http3PortWait(InetSocketAddress address, Runnable whenFree) {
		this.address = address;
		this.whenFree = whenFree;
	}

	/**
	 * Start waiting.
	 * @param address the address and UDP port
	 * @param whenFree what to run once the port is free, on the waiting thread
	 * @return the wait, to stop
	 */
	static Http3PortWait start(InetSocketAddress address, Runnable whenFree) {
		Http3PortWait wait = new Http3PortWait(address, whenFree);
		Thread thread = new Thread(wait::await, "reuseport-http3-port-" + address.getPort());
		thread.setDaemon(true);
		thread.start();
		return wait;
	}

	private void await() {
		while (!this.stopped && PortListeners.udp(this.address).count() > 0) {
			LockSupport.parkNanos(INTERVAL.toNanos());
		}
		if (!this.stopped) {
			this.whenFree.run();
		}
	}

	/**
	 * Stop waiting; the action does not run if it has not started.
	 */
	void stop() {
		this.stopped = true;
	}

}
