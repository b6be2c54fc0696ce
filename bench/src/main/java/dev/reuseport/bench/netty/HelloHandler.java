package dev.reuseport.bench.netty;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Minimal HTTP/1.1 handler for server C: every request gets {@code 200 Hello, World!} as
 * {@code text/plain}, and the connection is closed after the response when the request
 * asked for it ({@code Connection: close}). Responses are flushed once per read batch, as
 * in Netty's own hello-world example.
 */
@Sharable
final class HelloHandler extends SimpleChannelInboundHandler<HttpObject> {

	static final HelloHandler INSTANCE = new HelloHandler();

	private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

	private HelloHandler() {
	}

	@Override
	protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
		if (!(msg instanceof HttpRequest request)) {
			return;
		}
		boolean keepAlive = HttpUtil.isKeepAlive(request);
		FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
				Unpooled.wrappedBuffer(BODY));
		response.headers()
			.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
			.setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
		if (!keepAlive) {
			response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
		}
		else if (!request.protocolVersion().isKeepAliveDefault()) {
			response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
		}
		ChannelFuture written = ctx.write(response);
		if (!keepAlive) {
			written.addListener(ChannelFutureListener.CLOSE);
		}
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		ctx.flush();
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		ctx.close();
	}

}
