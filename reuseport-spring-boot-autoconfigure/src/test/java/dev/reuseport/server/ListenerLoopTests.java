package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ListenerLoop}.
 */
class ListenerLoopTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void startRunsTheLoopOnANamedDaemonThread() throws Exception {
		ListenerLoop loop = new ListenerLoop("listener-loop-test");
		EventLoop eventLoop = loop.start(ListenerTransport.EPOLL);
		try {
			Thread thread = eventLoop.submit(Thread::currentThread).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			assertThat(thread.getName()).isEqualTo("listener-loop-test");
			assertThat(thread.isDaemon()).isTrue();
			assertThat(loop.eventLoop()).isSameAs(eventLoop);
			assertThat(loop.drain()).isNotNull();
		}
		finally {
			loop.shutdown(TIMEOUT);
		}
	}

	@Test
	void shutdownTerminatesTheLoopAndReleasesItsDrain() {
		ListenerLoop loop = new ListenerLoop("listener-loop-test");
		EventLoop eventLoop = loop.start(ListenerTransport.EPOLL);
		loop.shutdown(TIMEOUT);
		assertThat(eventLoop.isTerminated()).isTrue();
		assertThat(loop.eventLoop()).isNull();
		assertThat(loop.drain()).isNull();
	}

	@Test
	void restartCreatesAFreshLoopAndDrain() {
		ListenerLoop loop = new ListenerLoop("listener-loop-test");
		EventLoop first = loop.start(ListenerTransport.EPOLL);
		ConnectionDrain firstDrain = loop.drain();
		loop.shutdown(TIMEOUT);
		EventLoop second = loop.start(ListenerTransport.EPOLL);
		try {
			assertThat(second).isNotSameAs(first);
			assertThat(second.isShuttingDown()).isFalse();
			assertThat(loop.drain()).isNotNull().isNotSameAs(firstDrain);
		}
		finally {
			loop.shutdown(TIMEOUT);
		}
	}

}
