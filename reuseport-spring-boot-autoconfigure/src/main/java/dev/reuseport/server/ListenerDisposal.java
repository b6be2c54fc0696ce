package dev.reuseport.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Disposes the listeners of a {@link ReuseportWebServer} in parallel, as an immediate
 * stop does: every listening socket and idle connection closes at the same moment, then
 * each listener waits for its requests in flight, as Spring Boot's own server does on
 * stop. One listener after the other would make the last one wait for the timeouts of all
 * the others.
 */
final class ListenerDisposal {

	private static final Log logger = LogFactory.getLog(ListenerDisposal.class);

	private ListenerDisposal() {
	}

	/**
	 * Dispose every listener and wait until each is done. Listeners that a graceful
	 * shutdown has closed are left to it.
	 * @param listeners the listeners
	 * @param timeout how long each listener waits for its active requests
	 */
	static void disposeAll(List<ReuseportListener> listeners, Duration timeout) {
		listeners.stream()
			.map((listener) -> CompletableFuture.runAsync(() -> dispose(listener, timeout),
					ListenerDisposal::startThread))
			.toList()
			.forEach(CompletableFuture::join);
	}

	private static void startThread(Runnable task) {
		Thread thread = new Thread(task, "reuseport-dispose");
		thread.setDaemon(true);
		thread.start();
	}

	private static void dispose(ReuseportListener listener, Duration timeout) {
		try {
			listener.socket().dispose(timeout);
		}
		catch (RuntimeException ex) {
			// Reactor Netty reports a drain timeout or an interrupt as an exception
			logger.debug("Listener " + listener.index() + " did not drain", ex);
		}
	}

}
