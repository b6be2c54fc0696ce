package dev.reuseport.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.HeldLoop;
import dev.reuseport.test.SocketPair;
import dev.reuseport.test.Transports;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void shutdownClosesTheConnectionsLeftOnTheLoopWhileItStillRuns(ListenerTransport transport) throws Exception {
		Transports.use(transport);
		ListenerLoop loop = new ListenerLoop("listener-loop-test");
		EventLoop eventLoop = loop.start(transport);
		CountDownLatch inactive = new CountDownLatch(1);
		try (SocketPair connection = SocketPair.open(eventLoop, transport, new ChannelInboundHandlerAdapter() {

			@Override
			public void channelInactive(ChannelHandlerContext context) {
				inactive.countDown();
			}

		})) {
			Channel channel = connection.channel();
			ConnectionDrain drain = loop.drain();
			eventLoop.submit(() -> drain.connectionOpened(channel)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			// The shutdown begins while the loop runs a task: Netty's loop then ends
			// without closing its channels itself
			Thread stopping = new Thread(() -> loop.shutdown(TIMEOUT));
			try (HeldLoop held = HeldLoop.hold(eventLoop)) {
				stopping.start();
				await().atMost(TIMEOUT).until(() -> stopping.getState() == Thread.State.TIMED_WAITING);
			}
			stopping.join(TIMEOUT.toMillis());
			assertThat(eventLoop.isTerminated()).isTrue();
			assertThat(connection.peer().getInputStream().read()).as("end of stream").isEqualTo(-1);
			assertThat(inactive.await(0, TimeUnit.SECONDS)).as("channelInactive before the loop ended").isTrue();
		}
	}

	@Test
	void loopsHeldByTasksShareOneTimeoutAndEndOnceFree() throws Exception {
		ListenerLoop first = new ListenerLoop("listener-loop-test-0");
		ListenerLoop second = new ListenerLoop("listener-loop-test-1");
		EventLoop firstLoop = first.start(ListenerTransport.EPOLL);
		EventLoop secondLoop = second.start(ListenerTransport.EPOLL);
		Duration timeout = Duration.ofSeconds(3);
		try (HeldLoop firstHeld = HeldLoop.hold(firstLoop); HeldLoop secondHeld = HeldLoop.hold(secondLoop)) {
			long start = System.nanoTime();
			ListenerLoop.shutdownAll(List.of(first, second), timeout);
			// One loop after the other would take a timeout each
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.multipliedBy(2));
			assertThat(firstLoop.isTerminated()).isFalse();
		}
		await().atMost(TIMEOUT).until(() -> firstLoop.isTerminated() && secondLoop.isTerminated());
		assertThat(first.eventLoop()).isNull();
		assertThat(second.eventLoop()).isNull();
	}

	@Test
	void tasksToRunBeforeShutdownRunOnTheLoopWhileItStillRuns() throws Exception {
		ListenerLoop loop = new ListenerLoop("listener-loop-test");
		EventLoop eventLoop = loop.start(ListenerTransport.EPOLL);
		List<String> ran = new CopyOnWriteArrayList<>();
		eventLoop.submit(() -> loop.beforeShutdown(eventLoop, () -> {
			ran.add(Thread.currentThread().getName() + (eventLoop.isShuttingDown() ? " shutting down" : " running"));
			// Registered once the tasks have run: runs at once
			loop.beforeShutdown(eventLoop, () -> ran.add("late"));
		})).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		loop.shutdown(TIMEOUT);
		assertThat(ran).containsExactly("listener-loop-test running", "late");
	}

	@Test
	void shutdownCalledOnTheLoopItselfEndsIt() throws Exception {
		ListenerLoop loop = new ListenerLoop("listener-loop-test");
		EventLoop eventLoop = loop.start(ListenerTransport.EPOLL);
		// As a stop called from a request handler does: it cannot wait for its own loop
		eventLoop.submit(() -> loop.shutdown(Duration.ofMillis(200))).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		await().atMost(TIMEOUT).until(eventLoop::isTerminated);
	}

}
