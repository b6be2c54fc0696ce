package dev.reuseport.server;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ServerAwaitThread}.
 */
class ServerAwaitThreadTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void keepsANonDaemonThreadAliveUntilStopped() throws Exception {
		// A class loader of its own tells this thread apart from those of servers that
		// other tests run
		try (URLClassLoader classLoader = new URLClassLoader(new URL[0])) {
			ServerAwaitThread awaitThread = ServerAwaitThread.start(classLoader);
			Thread thread = await().atMost(TIMEOUT).until(() -> find(classLoader), Optional::isPresent).get();
			assertThat(thread.getName()).isEqualTo("reuseport-server");
			assertThat(thread.isDaemon()).isFalse();
			assertThat(thread.isAlive()).isTrue();
			awaitThread.stop();
			await().atMost(TIMEOUT).until(() -> !thread.isAlive());
		}
	}

	private static Optional<Thread> find(ClassLoader classLoader) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getContextClassLoader() == classLoader)
			.findFirst();
	}

}
