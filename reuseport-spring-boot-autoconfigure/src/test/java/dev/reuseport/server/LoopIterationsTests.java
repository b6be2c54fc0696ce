package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.HeldLoop;
import dev.reuseport.test.SocketPair;
import dev.reuseport.test.Transports;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LoopIterations}, on real epoll loops.
 */
class LoopIterationsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void countGrowsWithTheLoopsIterations() throws Exception {
		ListenerLoop loop = new ListenerLoop("loop-iterations-test");
		EventLoop eventLoop = loop.start(ListenerTransport.EPOLL);
		try {
			long before = loop.iterations().count();
			for (int i = 0; i < 10; i++) {
				eventLoop.submit(() -> {
				}).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			}
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(loop.iterations().count()).isGreaterThan(before));
		}
		finally {
			loop.shutdown(TIMEOUT);
		}
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void loopThatEndsWithoutClosingItsChannelsClosesThemOnItsWayOut(ListenerTransport transport) throws Exception {
		Transports.use(transport);
		ListenerLoop loop = new ListenerLoop("loop-iterations-test");
		EventLoop eventLoop = loop.start(transport);
		// Netty warns that the closed channel's deregistration could not run later on the
		// terminated loop
		try (CapturedLogs netty = CapturedLogs.capture(AbstractChannel.class);
				SocketPair connection = SocketPair.open(eventLoop, transport, new ChannelInboundHandlerAdapter())) {
			// A shutdown that begins while the loop runs a task ends Netty's loop without
			// closing the channels registered on it
			try (HeldLoop held = HeldLoop.hold(eventLoop)) {
				eventLoop.shutdownGracefully(0, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
				await().atMost(TIMEOUT).until(eventLoop::isShuttingDown);
			}
			assertThat(eventLoop.terminationFuture().await(TIMEOUT.toMillis())).isTrue();
			assertThat(connection.peer().getInputStream().read()).as("end of stream").isEqualTo(-1);
			assertThat(connection.channel().isOpen()).isFalse();
			assertThat(netty.events()).extracting(CapturedLogs::text)
				.allMatch((event) -> event.startsWith("WARN io.netty.channel.AbstractChannel : "
						+ "Can't invoke task later as EventLoop rejected it\n"
						+ "java.util.concurrent.RejectedExecutionException: event executor terminated\n"));
		}
		finally {
			loop.shutdown(TIMEOUT);
		}
	}

}
