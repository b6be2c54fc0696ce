package dev.reuseport.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.TestServers;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CurrentListenerLoop}, on a real server's listener loops.
 */
class CurrentListenerLoopTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void onlyTheLoopsOwnThreadFindsIt() throws Exception {
		ReuseportWebServer server = TestServers.start(2);
		try {
			assertThat(CurrentListenerLoop.of(server)).isNull();
			EventLoop loop = server.getListeners().get(1).eventLoop();
			CurrentListenerLoop current = loop.submit(() -> CurrentListenerLoop.of(server))
				.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			assertThat(current).isNotNull();
			assertThat(current.listener()).isEqualTo(1);
			assertThat(current.eventLoop()).isSameAs(loop);
		}
		finally {
			server.stop();
		}
	}

	@Test
	void tasksToRunBeforeShutdownRunOnTheLoopWhenTheServerStops() throws Exception {
		ReuseportWebServer server = TestServers.start(2);
		List<String> ran = new CopyOnWriteArrayList<>();
		try {
			EventLoop loop = server.getListeners().get(0).eventLoop();
			CurrentListenerLoop current = loop.submit(() -> {
				CurrentListenerLoop found = CurrentListenerLoop.of(server);
				found.beforeShutdown(() -> ran.add("registered on the loop, run on " + threadState(loop)));
				return found;
			}).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			// Kept and used from another thread, it registers through the loop
			current.beforeShutdown(() -> ran.add("registered elsewhere, run on " + threadState(loop)));
			assertThat(ran).isEmpty();
		}
		finally {
			server.stop();
		}
		assertThat(ran).containsExactly("registered on the loop, run on reuseport-listener-0 running",
				"registered elsewhere, run on reuseport-listener-0 running");
	}

	private static String threadState(EventLoop loop) {
		return Thread.currentThread().getName() + (loop.isShuttingDown() ? " shutting down" : " running");
	}

}
