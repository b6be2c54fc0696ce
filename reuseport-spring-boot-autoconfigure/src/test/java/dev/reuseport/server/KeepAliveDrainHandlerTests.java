package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KeepAliveDrainHandler}, on an {@link EmbeddedChannel} whose clock only
 * moves when the test moves it.
 */
class KeepAliveDrainHandlerTests {

	private static final Duration GRACE = Duration.ofSeconds(5);

	private final EmbeddedChannel channel = new EmbeddedChannel();

	@BeforeEach
	void addTrafficHandler() {
		this.channel.freezeTime();
		this.channel.pipeline().addLast(NettyPipeline.HttpTrafficHandler, new ChannelDuplexHandler());
	}

	@AfterEach
	void closeChannel() {
		this.channel.finishAndReleaseAll();
	}

	@Test
	void sitsRightAfterTheTrafficHandler() {
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		assertThat(this.channel.pipeline().names()).containsSubsequence(NettyPipeline.HttpTrafficHandler,
				KeepAliveDrainHandler.NAME);
		assertThat(this.channel.pipeline().names().indexOf(KeepAliveDrainHandler.NAME))
			.isEqualTo(this.channel.pipeline().names().indexOf(NettyPipeline.HttpTrafficHandler) + 1);
	}

	@Test
	void idleConnectionClosesWhenItHasStayedIdleForTheWholeGracePeriod() {
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		advance(GRACE.minusNanos(1));
		assertThat(this.channel.isOpen()).isTrue();
		advance(Duration.ofNanos(1));
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void requestThatArrivesDuringTheGracePeriodIsAnsweredWithConnectionClose() {
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		advance(GRACE.minusNanos(1));
		this.channel.writeInbound(request());
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the request is served").isTrue();
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isEqualTo("close");
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("left to the traffic handler, which closes after the response").isTrue();
	}

	@Test
	void responseInFlightWhenTheDrainStartsIsAnsweredWithConnectionClose() {
		new Request(this.channel).bind();
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the request is served").isTrue();
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isEqualTo("close");
	}

	@Test
	void requestWhoseResponseWasWrittenBeforeTheDrainLeavesItsConnectionIdleForAGracePeriodOnceItEnds() {
		Request request = new Request(this.channel);
		request.bind();
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open until the request ends").isTrue();
		request.end();
		advance(GRACE.minusNanos(1));
		assertThat(this.channel.isOpen()).isTrue();
		advance(Duration.ofNanos(1));
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void responseWhoseHeadersWentOutBeforeTheDrainLeavesItsConnectionIdleForAGracePeriod() {
		this.channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
		new Request(this.channel).bind();
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the body is written").isTrue();
		this.channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
		advance(GRACE.minusNanos(1));
		assertThat(this.channel.isOpen()).isTrue();
		advance(Duration.ofNanos(1));
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void informationalResponseNeitherSaysConnectionCloseNorEndsTheRequest() {
		new Request(this.channel).bind();
		KeepAliveDrainHandler.drain(this.channel, GRACE);
		this.channel.writeOutbound(response(HttpResponseStatus.CONTINUE));
		assertThat(connectionHeader(this.channel.readOutbound())).isNull();
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the request is served").isTrue();
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isEqualTo("close");
	}

	private void advance(Duration duration) {
		this.channel.advanceTimeBy(duration.toNanos(), TimeUnit.NANOSECONDS);
		this.channel.runPendingTasks();
	}

	private static DefaultFullHttpRequest request() {
		return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
	}

	private static DefaultFullHttpResponse response(HttpResponseStatus status) {
		DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
		response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
		return response;
	}

	private static @Nullable String connectionHeader(Object written) {
		assertThat(written).isInstanceOf(HttpResponse.class);
		return ((HttpResponse) written).headers().get(HttpHeaderNames.CONNECTION);
	}

	/**
	 * A request that Reactor Netty is serving, bound to the connection as
	 * {@code HttpTrafficHandler} binds one from the moment it reads the request until the
	 * request ends.
	 */
	static final class Request extends ChannelOperations<NettyInbound, NettyOutbound> {

		Request(Channel channel) {
			super(Connection.from(channel), ConnectionObserver.emptyListener());
		}

		void end() {
			terminate();
		}

	}

}
