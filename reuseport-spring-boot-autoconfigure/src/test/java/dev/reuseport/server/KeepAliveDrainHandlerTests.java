package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
import reactor.netty.NettyPipeline;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KeepAliveDrainHandler}, on an {@link EmbeddedChannel} whose clock
 * only moves when the test moves it.
 */
class KeepAliveDrainHandlerTests {

	private static final Duration GRACE = Duration.ofSeconds(5);

	private final EmbeddedChannel channel = new EmbeddedChannel();

	private final KeepAliveDrainHandler handler = new KeepAliveDrainHandler();

	@BeforeEach
	void addHandlerAfterATrafficHandler() {
		this.channel.freezeTime();
		this.channel.pipeline().addLast(NettyPipeline.HttpTrafficHandler, new ChannelDuplexHandler());
		this.channel.pipeline().addAfter(NettyPipeline.HttpTrafficHandler, KeepAliveDrainHandler.NAME, this.handler);
	}

	@AfterEach
	void closeChannel() {
		this.channel.finishAndReleaseAll();
	}

	@Test
	void idleConnectionClosesWhenItHasStayedIdleForTheWholeGracePeriod() {
		this.handler.drain(GRACE);
		advance(GRACE.minusNanos(1));
		assertThat(this.channel.isOpen()).isTrue();
		advance(Duration.ofNanos(1));
		assertThat(this.channel.isOpen()).isFalse();
	}

	@Test
	void requestThatArrivesDuringTheGracePeriodIsAnsweredWithConnectionClose() {
		this.handler.drain(GRACE);
		advance(GRACE.minusNanos(1));
		this.channel.writeInbound(request());
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the request is served").isTrue();
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isEqualTo("close");
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("left to the traffic handler, which closes after the response")
			.isTrue();
	}

	@Test
	void responseInFlightWhenTheDrainStartsIsAnsweredWithConnectionClose() {
		this.channel.writeInbound(request());
		this.handler.drain(GRACE);
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the request is served").isTrue();
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isEqualTo("close");
	}

	@Test
	void responseWhoseHeadersWentOutBeforeTheDrainLeavesItsConnectionIdleForAGracePeriod() {
		this.channel.writeInbound(request());
		this.channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
		this.handler.drain(GRACE);
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
		this.channel.writeInbound(request());
		this.handler.drain(GRACE);
		this.channel.writeOutbound(response(HttpResponseStatus.CONTINUE));
		assertThat(connectionHeader(this.channel.readOutbound())).isNull();
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).as("open while the request is served").isTrue();
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isEqualTo("close");
	}

	@Test
	void connectionIsLeftAloneUntilTheDrainStarts() {
		this.channel.writeInbound(request());
		this.channel.writeOutbound(response(HttpResponseStatus.OK));
		assertThat(connectionHeader(this.channel.readOutbound())).isNull();
		advance(GRACE.multipliedBy(2));
		assertThat(this.channel.isOpen()).isTrue();
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

	private static String connectionHeader(Object written) {
		assertThat(written).isInstanceOf(HttpResponse.class);
		return ((HttpResponse) written).headers().get(HttpHeaderNames.CONNECTION);
	}

}
