package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * Ends a kept-alive HTTP/1.1 connection during a graceful shutdown without racing its
 * client. HTTP/1.1 has one way to tell a client that a connection is about to close:
 * {@code Connection: close} on a response. A client that reads it sends nothing more on
 * the connection; a client whose connection is closed between two requests may already
 * have sent the next one, which is then lost.
 * <p>
 * Once {@link #drain(Duration) draining}, the handler adds {@code Connection: close} to
 * every response whose headers are still to be written, and Reactor Netty closes the
 * connection as soon as that response is written. A connection with no request in
 * flight is closed only after it has stayed idle for the grace period, which a client
 * that is using the connection does not leave it; a request that arrives within the
 * grace period is answered, with {@code Connection: close}.
 * <p>
 * It sits right after {@link NettyPipeline#HttpTrafficHandler}, so it sees one request at
 * a time, pipelining already resolved, and every response before the traffic handler
 * decides whether to keep the connection open. Its state is confined to the
 * connection's event loop.
 */
final class KeepAliveDrainHandler extends ChannelDuplexHandler {

	/**
	 * Name of the handler in the pipeline.
	 */
	static final String NAME = "reuseport.keepAliveDrain";

	private boolean requestInFlight;

	private boolean closeAfterResponse;

	private boolean informationalResponse;

	private @Nullable Duration idleGrace;

	private @Nullable ScheduledFuture<?> idleClose;

	private @Nullable ChannelHandlerContext context;

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.context = ctx;
	}

	/**
	 * Start draining the connection: answer from now on with {@code Connection: close},
	 * and close the connection once it has been idle for {@code idleGrace}.
	 * @param idleGrace how long an idle connection stays open for a request that its
	 * client may be sending
	 */
	void drain(Duration idleGrace) {
		this.idleGrace = idleGrace;
		if (!this.requestInFlight) {
			scheduleIdleClose();
		}
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (msg instanceof HttpRequest) {
			this.requestInFlight = true;
			cancelIdleClose();
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		if (msg instanceof HttpResponse response) {
			this.informationalResponse = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
			if (this.idleGrace != null && !this.informationalResponse) {
				// The traffic handler reads this header and closes once the response is out
				HttpUtil.setKeepAlive(response, false);
				this.closeAfterResponse = true;
			}
		}
		ctx.write(msg, promise);
		// A 1xx response, such as 100 Continue, comes before the final one
		if (msg instanceof LastHttpContent && !this.informationalResponse) {
			this.requestInFlight = false;
			if (this.idleGrace != null && !this.closeAfterResponse) {
				// Its headers went out before the drain began: the client may reuse it
				scheduleIdleClose();
			}
		}
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		cancelIdleClose();
		ctx.fireChannelInactive();
	}

	private void scheduleIdleClose() {
		ChannelHandlerContext ctx = this.context;
		Duration idleGrace = this.idleGrace;
		if (ctx != null && idleGrace != null) {
			cancelIdleClose();
			this.idleClose = ctx.executor().schedule(this::closeIfIdle, idleGrace.toNanos(), TimeUnit.NANOSECONDS);
		}
	}

	private void closeIfIdle() {
		ChannelHandlerContext ctx = this.context;
		if (ctx != null && !this.requestInFlight) {
			ctx.channel().close();
		}
	}

	private void cancelIdleClose() {
		ScheduledFuture<?> idleClose = this.idleClose;
		if (idleClose != null) {
			idleClose.cancel(false);
			this.idleClose = null;
		}
	}

}
