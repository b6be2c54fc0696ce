package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.local.LocalChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LoopBalancer}'s choice of loop, on real event loops, with accept
 * queues that the test sets. {@link LoopBalancerIntegrationTests} checks the spread it
 * reaches with real connections.
 */
class LoopBalancerTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final List<EventLoop> loops = new ArrayList<>();

	private final List<Channel> channels = new ArrayList<>();

	// The connections waiting in each loop's accept queue, as the balancer reads them
	private final int[] queued = new int[2];

	private LoopBalancer balancer;

	@BeforeEach
	void startTwoLoops() {
		this.loops.add(new DefaultEventLoop());
		this.loops.add(new DefaultEventLoop());
		this.balancer = new LoopBalancer(this.loops, (loop) -> this.queued[loop], ConnectionBalancing.DEFAULT);
	}

	@AfterEach
	void shutDownTheLoops() {
		this.channels.forEach((channel) -> channel.close().awaitUninterruptibly(TIMEOUT.toMillis()));
		this.loops.forEach(
				(loop) -> loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(TIMEOUT.toMillis()));
	}

	@Test
	void connectionsBeyondTheMarginAreHandedToTheLessLoadedLoop() {
		List<Integer> chosen = acceptOnListenerZero(6);
		// The margin is 2 connections: the third would put loop 0 three ahead, so it
		// goes to loop 1, and so does the next, until loop 0 is back within half the
		// margin
		assertThat(chosen).containsExactly(0, 0, 1, 1, 0, 0);
		assertThat(this.balancer.openConnections(0)).isEqualTo(4);
		assertThat(this.balancer.openConnections(1)).isEqualTo(2);
	}

	@Test
	void aStalledLoopIsHandedNothingUntilItRecovers() {
		this.balancer.stalled(1);
		assertThat(this.balancer.isHandedConnections(1)).isFalse();
		assertThat(acceptOnListenerZero(6)).containsOnly(0);
		assertThat(this.balancer.openConnections(1)).isZero();
		this.balancer.recovered(1);
		assertThat(this.balancer.isHandedConnections(1)).isTrue();
		assertThat(acceptOnListenerZero(1)).containsExactly(1);
	}

	@Test
	void aWithdrawnListenerStaysExcludedWhileItsLoopRunsAgain() {
		this.balancer.withdraw(1);
		this.balancer.stalled(1);
		this.balancer.recovered(1);
		assertThat(acceptOnListenerZero(6)).containsOnly(0);
		this.balancer.rejoin(1);
		assertThat(acceptOnListenerZero(1)).containsExactly(1);
	}

	@Test
	void aLoopWhoseAcceptQueueHoldsABacklogIsHandedNothing() {
		// Loop 1 has no open connection, but more waiting in its listener's accept queue
		// than loop 0 would hand it: they are its load too
		this.queued[1] = 10;
		assertThat(acceptOnListenerZero(6)).containsOnly(0);
		this.queued[1] = 0;
		assertThat(acceptOnListenerZero(1)).containsExactly(1);
	}

	private List<Integer> acceptOnListenerZero(int count) {
		return IntStream.range(0, count).mapToObj((i) -> {
			LocalChannel channel = new LocalChannel();
			this.channels.add(channel);
			assertThat(this.balancer.register(0, channel).awaitUninterruptibly(TIMEOUT.toMillis())).isTrue();
			return this.balancer.indexOf(channel.eventLoop());
		}).toList();
	}

}
