package dev.reuseport.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiFunction;

import dev.reuseport.server.ConnectionBalancing;
import dev.reuseport.server.HandoverSettings;
import dev.reuseport.server.ListenerSteering;
import dev.reuseport.server.ListenerTransport;
import dev.reuseport.server.ReuseportRequests;
import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.server.StallReliefSettings;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.boot.web.server.Shutdown;

/**
 * Starts a {@link ReuseportWebServer} on an ephemeral port of 127.0.0.1 without an
 * application around it, for tests of the classes that take a started server.
 */
public final class TestServers {

	private TestServers() {
	}

	/**
	 * Start a server whose every response is {@code ok}.
	 * @param listeners the number of listeners
	 * @return the started server; the caller stops it
	 */
	public static ReuseportWebServer start(int listeners) {
		return start(listeners, (request, response) -> response.sendString(Mono.just("ok")));
	}

	/**
	 * Start a server whose every response tells, as {@link ServedBy}, the listener that
	 * accepted the connection and the thread that served the request.
	 * @param listeners the number of listeners
	 * @param balancing how the server balances open connections across its loops
	 * @param protocols the protocols the server speaks; HTTP/1.1 when none
	 * @return the started server; the caller stops it
	 */
	public static ReuseportWebServer startServedBy(int listeners, ConnectionBalancing balancing,
			HttpProtocol... protocols) {
		return startServedBy(listeners, ListenerTransport.EPOLL, balancing, StallReliefSettings.DEFAULT,
				ListenerSteering.HASH, 0, false, protocols);
	}

	/**
	 * Start a server whose every response tells, as {@link ServedBy}, the listener that
	 * accepted the connection and the thread that served the request, on a given port.
	 * @param listeners the number of listeners
	 * @param transport the transport of the listeners
	 * @param balancing how the server balances open connections across its loops
	 * @param stallRelief how the server relieves stalled loops
	 * @param steering how the kernel chooses the listener of each connection
	 * @param port the port, 0 for any
	 * @param joinExisting whether to join the listeners already on the port
	 * @param protocols the protocols the server speaks; HTTP/1.1 when none
	 * @return the started server; the caller stops it
	 */
	public static ReuseportWebServer startServedBy(int listeners, ListenerTransport transport,
			ConnectionBalancing balancing, StallReliefSettings stallRelief, ListenerSteering steering, int port,
			boolean joinExisting, HttpProtocol... protocols) {
		HttpServer httpServer = servedBy(port, protocols);
		ReuseportWebServer server = new ReuseportWebServer(httpServer, transport, listeners, joinExisting, null,
				Shutdown.IMMEDIATE, balancing, stallRelief, null, steering);
		server.start();
		return server;
	}

	/**
	 * Return a server on a port of 127.0.0.1 whose every response tells, as
	 * {@link ServedBy}, the listener that accepted the connection and the thread that
	 * served the request.
	 * @param port the port, 0 for any
	 * @param protocols the protocols the server speaks; HTTP/1.1 when none
	 * @return the server, to bind as the listeners of a reuseport server
	 */
	public static HttpServer servedBy(int port, HttpProtocol... protocols) {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.protocol((protocols.length > 0) ? protocols : new HttpProtocol[] { HttpProtocol.HTTP11 })
			.handle((request,
					response) -> response.sendString(Mono.fromSupplier(
							() -> new ServedBy(ReuseportRequests.listenerIndex((Connection) request).orElse(-1),
									Thread.currentThread().getName())
								.toString())));
	}

	/**
	 * Start a server with a Reactor Netty handler.
	 * @param listeners the number of listeners
	 * @param handler the handler of every request
	 * @return the started server; the caller stops it
	 */
	public static ReuseportWebServer start(int listeners,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		ReuseportWebServer server = new ReuseportWebServer(
				HttpServer.create().host("127.0.0.1").port(0).handle(handler), ListenerTransport.EPOLL, listeners,
				false, null, Shutdown.IMMEDIATE, ConnectionBalancing.DEFAULT, StallReliefSettings.DEFAULT);
		server.start();
		return server;
	}

	/**
	 * Start a server on a port of 127.0.0.1 that hands its listening sockets over, and
	 * asks for those of the server that offers them, on a handover socket. Without stall
	 * relief, whose watchdog would rejoin a listener that a test withdraws itself.
	 * @param body the body of every response
	 * @param port the port
	 * @param socket the handover socket
	 * @param listeners the number of listeners
	 * @return the started server; the caller stops it
	 */
	public static ReuseportWebServer startHandingOver(String body, int port, Path socket, int listeners) {
		HttpServer httpServer = HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.handle((request, response) -> response.sendString(Mono.just(body)));
		ReuseportWebServer server = new ReuseportWebServer(httpServer, ListenerTransport.EPOLL, listeners, false, null,
				Shutdown.GRACEFUL, ConnectionBalancing.DEFAULT, StallReliefSettings.DISABLED,
				new HandoverSettings(socket, Duration.ofSeconds(10)));
		server.start();
		return server;
	}

	/**
	 * Return a port of 127.0.0.1 that nothing listens on now.
	 * @return the port
	 * @throws IOException if no port can be bound
	 */
	public static int freePort() throws IOException {
		try (ServerSocketChannel channel = ServerSocketChannel.open()) {
			channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			return ((InetSocketAddress) channel.getLocalAddress()).getPort();
		}
	}

}
