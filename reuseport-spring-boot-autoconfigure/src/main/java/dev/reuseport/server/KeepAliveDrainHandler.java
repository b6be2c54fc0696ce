package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
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
import reactor.netty.channel.ChannelOperations;

/**
 * Ends a kept-alive HTTP/1.1 connection during a graceful shutdown without racing its
 * client. HTTP/1.1 has one way to tell a client that a connection is about to close:
 * {@code Connection: close} on a response. A client that reads it sends nothing more on
 * the connection; a client whose connection is closed between two requests may already
 * have sent the next one, which is then lost.
 * <p>
 * The handler is added only when the drain starts, so that serving a request costs
 * nothing before. From then on it adds {@code Connection: close} to every response whose
 * headers are still to be written, and Reactor Netty closes the connection as soon as
 * that response is written. A connection with no request in flight is closed only after
 * it has stayed idle for the grace period, which a client that is using the connection
 * does not leave it; a request that arrives within the grace period is answered, with
 * {@code Connection: close}.
 * <p>
 * It sits right after {@link NettyPipeline#HttpTrafficHandler}, so it sees one request at
 * a time, pipelining already resolved, and every response before the traffic handler
 * decides whether to keep the connection open. Its state is confined to the connection's
 * event loop.
 */
final class KeepAliveDrainHandler extends ChannelDuplexHandler {

	/**
	 * Name of the handler in the pipeline.
	 */
	static final String NAME = "reuseport.keepAliveDrain";

	private final Duration idleGrace;

	private boolean requestInFlight;

	private boolean closeAfterResponse;

	private boolean informationalResponse;

	private @Nullable ScheduledFuture<?> idleClose;

	private @Nullable ChannelHandlerContext context;

	private KeepAliveDrainHandler(Duration idleGrace, boolean requestInFlight) {
		this.idleGrace = idleGrace;
		this.requestInFlight = requestInFlight;
	}

	/**
	 * Start draining an HTTP/1.1 connection: answer from now on with {@code Connection:
	 * close}, and close the connection once it has been idle for {@code idleGrace}. Must
	 * run on the connection's event loop, once, on a connection whose pipeline has an
	 * {@link NettyPipeline#HttpTrafficHandler}.
	 * @param channel the connection
	 * @param idleGrace how long an idle connection stays open for a request that its
	 * client may be sending
	 */
	static void drain(Channel channel, Duration idleGrace) {
		// Reactor Netty binds a request's operations to the connection from the moment
		// it reads the request until the response is written and the request read
		ChannelOperations<?, ?> request = ChannelOperations.get(channel);
		KeepAliveDrainHandler handler = new KeepAliveDrainHandler(idleGrace, request != null);
		channel.pipeline().addAfter(NettyPipeline.HttpTrafficHandler, NAME, handler);
		if (request != null) {
			// Its last content may be written already, before this handler was there
			request.onTerminate().subscribe(null, (ex) -> handler.requestEnded(), handler::requestEnded);
		}
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.context = ctx;
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
			if (!this.informationalResponse) {
				// The traffic handler reads this header and closes once the response is
				// out
				HttpUtil.setKeepAlive(response, false);
				this.closeAfterResponse = true;
			}
		}
		ctx.write(msg, promise);
		// A 1xx response, such as 100 Continue, comes before the final one
		if (msg instanceof LastHttpContent && !this.informationalResponse) {
			requestEnded();
		}
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		cancelIdleClose();
		ctx.fireChannelInactive();
	}

	/**
	 * The request in flight has ended. Unless its response said {@code Connection:
	 * close}, its headers went out before the drain began, and the client may reuse the
	 * connection.
	 */
	private void requestEnded() {
		this.requestInFlight = false;
		if (!this.closeAfterResponse) {
			scheduleIdleClose();
		}
	}

	private void scheduleIdleClose() {
		ChannelHandlerContext ctx = this.context;
		if (ctx != null && ctx.channel().isActive()) {
			cancelIdleClose();
			this.idleClose = ctx.executor().schedule(this::closeIfIdle, this.idleGrace.toNanos(), TimeUnit.NANOSECONDS);
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
