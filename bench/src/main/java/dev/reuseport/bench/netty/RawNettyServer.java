package dev.reuseport.bench.netty;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * Server C, the JVM ceiling: raw Netty 4.2 on epoll with one SO_REUSEPORT listener per
 * event loop. Each listener has its own single-loop group, so a connection is accepted
 * and served on the loop of the listener that the kernel chose, as with the starter, but
 * with nothing between the HTTP codec and {@link HelloHandler}.
 * <p>
 * Usage: {@code RawNettyServer --port 8080 [--loops 4] [--backlog 4096] [--address
 * 127.0.0.1]}. The default loop count is Reactor Netty's: the number of CPUs, at least 4;
 * the default backlog is Netty's, the kernel's {@code somaxconn}. The server runs until
 * the process is terminated.
 */
public final class RawNettyServer {

	private final String address;

	private final int port;

	private final int loops;

	private final int backlog;

	private final List<EventLoopGroup> groups = new ArrayList<>();

	private final List<Channel> listeners = new ArrayList<>();

	RawNettyServer(String address, int port, int loops, int backlog) {
		this.address = address;
		this.port = port;
		this.loops = loops;
		this.backlog = backlog;
	}

	void start() throws InterruptedException {
		if (!Epoll.isAvailable()) {
			throw new IllegalStateException("Native epoll is unavailable", Epoll.unavailabilityCause());
		}
		for (int i = 0; i < this.loops; i++) {
			String name = "raw-listener-" + i;
			ThreadFactory threads = (runnable) -> new FastThreadLocalThread(runnable, name);
			EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, threads, EpollIoHandler.newFactory());
			this.groups.add(group);
			ServerBootstrap bootstrap = new ServerBootstrap().group(group, group)
				.channel(EpollServerSocketChannel.class)
				.option(UnixChannelOption.SO_REUSEPORT, true)
				.option(ChannelOption.SO_BACKLOG, this.backlog)
				.childHandler(new ChannelInitializer<SocketChannel>() {

					@Override
					protected void initChannel(SocketChannel channel) {
						channel.pipeline().addLast(new HttpServerCodec(), HelloHandler.INSTANCE);
					}

				});
			this.listeners.add(bootstrap.bind(this.address, this.port).sync().channel());
		}
		System.out.printf("RawNettyServer started on %s:%d with %d SO_REUSEPORT listeners%n", this.address, this.port,
				this.loops);
	}

	void stop() {
		this.listeners.forEach(Channel::close);
		this.groups.forEach((group) -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS));
		this.groups.forEach((group) -> group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS));
	}

	public static void main(String[] args) throws InterruptedException {
		String address = "127.0.0.1";
		int port = 8080;
		int loops = Math.max(Runtime.getRuntime().availableProcessors(), 4);
		int backlog = NetUtil.SOMAXCONN;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--address" -> address = args[++i];
				case "--port" -> port = Integer.parseInt(args[++i]);
				case "--loops" -> loops = Integer.parseInt(args[++i]);
				case "--backlog" -> backlog = Integer.parseInt(args[++i]);
				default -> throw new IllegalArgumentException("Unknown argument: " + args[i]);
			}
		}
		RawNettyServer server = new RawNettyServer(address, port, loops, backlog);
		Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "raw-netty-shutdown"));
		server.start();
		Thread.currentThread().join();
	}

}
