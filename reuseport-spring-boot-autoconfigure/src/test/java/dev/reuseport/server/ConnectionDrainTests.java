package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.reuseport.server.KeepAliveDrainHandlerTests.Request;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConnectionDrain}, on {@link EmbeddedChannel EmbeddedChannels} whose
 * clocks only move when the test moves them.
 */
class ConnectionDrainTests {

	private static final Duration GRACE = Duration.ofSeconds(5);

	private final ConnectionDrain drain = new ConnectionDrain();

	private final List<EmbeddedChannel> channels = new ArrayList<>();

	@AfterEach
	void closeChannels() {
		this.channels.forEach(EmbeddedChannel::finishAndReleaseAll);
	}

	@Test
	void leavesEveryPipelineAloneUntilTheDrainStarts() {
		EmbeddedChannel http1 = open(NettyPipeline.HttpTrafficHandler);
		List<String> names = http1.pipeline().names();
		advance(http1, GRACE.multipliedBy(2));
		assertThat(http1.pipeline().names()).isEqualTo(names);
		assertThat(http1.isOpen()).isTrue();
		assertThat(this.drain.drained()).isNotDone();
	}

	@Test
	void completesAtOnceWithoutConnections() {
		EmbeddedChannel closedBeforeTheDrain = open(NettyPipeline.HttpTrafficHandler);
		closedBeforeTheDrain.close();
		assertThat(this.drain.drained()).isNotDone();
		this.drain.start(GRACE);
		assertThat(this.drain.drained()).isCompleted();
	}

	@Test
	void idleHttp1ConnectionDrainsThroughAKeepAliveDrainHandlerAndClosesOnceIdleForTheGracePeriod() {
		EmbeddedChannel http1 = open(NettyPipeline.HttpTrafficHandler);
		this.drain.start(GRACE);
		assertThat(http1.pipeline().get(KeepAliveDrainHandler.NAME)).isInstanceOf(KeepAliveDrainHandler.class);
		advance(http1, GRACE.minusNanos(1));
		assertThat(http1.isOpen()).isTrue();
		assertThat(this.drain.drained()).isNotDone();
		advance(http1, Duration.ofNanos(1));
		assertThat(http1.isOpen()).isFalse();
		assertThat(this.drain.drained()).isCompleted();
	}

	@Test
	void http2ConnectionClosesAtOnceSoThatNettySendsGoAway() {
		EmbeddedChannel http2 = open(NettyPipeline.H2MultiplexHandler);
		EmbeddedChannel http1 = open(NettyPipeline.HttpTrafficHandler);
		this.drain.start(GRACE);
		assertThat(http2.isOpen()).isFalse();
		assertThat(http1.isOpen()).isTrue();
		assertThat(this.drain.drained()).as("waits for every connection").isNotDone();
		http1.close();
		assertThat(this.drain.drained()).isCompleted();
	}

	@Test
	void http2ConnectionWaitsForItsStreamsWithoutNettysDefaultTimeout() {
		Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
		EmbeddedChannel http2 = open();
		http2.pipeline()
			.addLast(NettyPipeline.HttpCodec, codec)
			.addLast(NettyPipeline.H2MultiplexHandler, new ChannelDuplexHandler());
		assertThat(codec.gracefulShutdownTimeoutMillis()).as("Netty's default").isNotEqualTo(-1);
		this.drain.start(GRACE);
		assertThat(codec.gracefulShutdownTimeoutMillis()).isEqualTo(-1);
		assertThat(http2.isOpen()).isFalse();
		assertThat(this.drain.drained()).isCompleted();
	}

	@Test
	void connectionThatDoesNotSpeakHttpYetClosesWhenTheGracePeriodIsOver() {
		EmbeddedChannel handshaking = open();
		this.drain.start(GRACE);
		advance(handshaking, GRACE.minusNanos(1));
		assertThat(handshaking.isOpen()).isTrue();
		advance(handshaking, Duration.ofNanos(1));
		assertThat(handshaking.isOpen()).isFalse();
		assertThat(this.drain.drained()).isCompleted();
	}

	@Test
	void connectionThatBecomesHttp1DuringTheGracePeriodDrainsAsAKeptAliveConnectionFromThen() {
		EmbeddedChannel handshaking = open();
		this.drain.start(GRACE);
		advance(handshaking, GRACE.minusSeconds(1));
		handshaking.pipeline().addLast(NettyPipeline.HttpTrafficHandler, new ChannelDuplexHandler());
		advance(handshaking, Duration.ofSeconds(1));
		assertThat(handshaking.pipeline().get(KeepAliveDrainHandler.NAME)).isNotNull();
		advance(handshaking, GRACE.minusNanos(1));
		assertThat(handshaking.isOpen()).isTrue();
		advance(handshaking, Duration.ofNanos(1));
		assertThat(handshaking.isOpen()).isFalse();
	}

	@Test
	void connectionThatBecomesHttp1DuringTheGracePeriodAndServesARequestStaysOpenUntilTheRequestEnds() {
		EmbeddedChannel handshaking = open();
		this.drain.start(GRACE);
		handshaking.pipeline().addLast(NettyPipeline.HttpTrafficHandler, new ChannelDuplexHandler());
		Request request = new Request(handshaking);
		request.bind();
		advance(handshaking, GRACE.multipliedBy(3));
		assertThat(handshaking.isOpen()).isTrue();
		request.end();
		advance(handshaking, GRACE);
		assertThat(handshaking.isOpen()).isFalse();
	}

	@Test
	void connectionThatBecomesHttp2DuringTheGracePeriodClosesWhenItIsOver() {
		EmbeddedChannel handshaking = open();
		this.drain.start(GRACE);
		handshaking.pipeline().addLast(NettyPipeline.H2MultiplexHandler, new ChannelDuplexHandler());
		advance(handshaking, GRACE.minusNanos(1));
		assertThat(handshaking.isOpen()).isTrue();
		advance(handshaking, Duration.ofNanos(1));
		assertThat(handshaking.isOpen()).isFalse();
	}

	@Test
	void startsOnlyOnce() {
		EmbeddedChannel http1 = open(NettyPipeline.HttpTrafficHandler);
		this.drain.start(GRACE);
		this.drain.start(GRACE.multipliedBy(2));
		assertThat(http1.pipeline().names()).containsOnlyOnce(KeepAliveDrainHandler.NAME);
		advance(http1, GRACE);
		assertThat(http1.isOpen()).isFalse();
	}

	/**
	 * Open a connection whose pipeline has a stand-in handler for each name, and track it
	 * as {@link ReuseportListener} does.
	 */
	private EmbeddedChannel open(String... handlerNames) {
		EmbeddedChannel channel = new EmbeddedChannel();
		channel.freezeTime();
		for (String name : handlerNames) {
			channel.pipeline().addLast(name, new ChannelDuplexHandler());
		}
		this.drain.connectionOpened(channel);
		channel.closeFuture().addListener((future) -> this.drain.connectionClosed(channel));
		this.channels.add(channel);
		return channel;
	}

	private static void advance(EmbeddedChannel channel, Duration duration) {
		channel.advanceTimeBy(duration.toNanos(), TimeUnit.NANOSECONDS);
		channel.runPendingTasks();
	}

}
