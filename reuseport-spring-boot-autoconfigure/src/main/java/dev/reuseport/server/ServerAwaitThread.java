package dev.reuseport.server;

import java.util.concurrent.CountDownLatch;

/**
 * Keeps the JVM alive while a {@link ReuseportWebServer} runs, as Spring Boot's own
 * servers do: the event loop threads are daemons.
 */
final class ServerAwaitThread {

	private final CountDownLatch stopped = new CountDownLatch(1);

	private ServerAwaitThread() {
	}

	/**
	 * Start a non-daemon thread that waits until {@link #stop()}.
	 * @param classLoader the context class loader of the thread
	 * @return the started thread's handle
	 */
	static ServerAwaitThread start(ClassLoader classLoader) {
		ServerAwaitThread await = new ServerAwaitThread();
		Thread thread = new Thread(() -> {
			try {
				await.stopped.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "reuseport-server");
		thread.setContextClassLoader(classLoader);
		thread.setDaemon(false);
		thread.start();
		return await;
	}

	/**
	 * Let the thread end.
	 */
	void stop() {
		this.stopped.countDown();
	}

}
