package dev.reuseport.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.web.server.WebServer;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The servers and connections of one test of Spring Boot's reactive web server factory
 * contract, shared by {@link ReuseportNettyReactiveWebServerFactoryContractTests},
 * {@link ReuseportNettyReactiveWebServerFactoryShutdownContractTests} and
 * {@link ReuseportNettyReactiveWebServerFactorySslContractTests} so that each builds its
 * factories the same way and leaves no server running, request held or connection open
 * after a test: it creates the servers with a {@link ContractHandler} unless told
 * otherwise, keeps them and the connections to close, and {@link #close()} releases the
 * held requests, stops the servers and closes the connections.
 */
final class ContractServers {

	/**
	 * The listeners of every server that {@link #factory()} builds.
	 */
	static final int LISTENERS = 3;

	/**
	 * How long a test waits for a server or a client.
	 */
	static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final List<WebServer> servers = new ArrayList<>();

	private final List<Socket> sockets = new ArrayList<>();

	private final ContractHandler handler = new ContractHandler();

	/**
	 * A factory of {@link #LISTENERS} listeners on the loopback address and port 0.
	 * @return a new factory
	 */
	static ReuseportNettyReactiveWebServerFactory factory() {
		ReuseportNettyReactiveWebServerFactory factory = new ReuseportNettyReactiveWebServerFactory();
		factory.setListenerCount(LISTENERS);
		factory.setAddress(InetAddress.getLoopbackAddress());
		factory.setPort(0);
		// As in the test application: no listener is withdrawn if the busy machine
		// stalls a loop
		factory.setStallRelief(StallReliefSettings.DISABLED);
		return factory;
	}

	/**
	 * The handler of the servers that
	 * {@link #create(ReuseportNettyReactiveWebServerFactory)} and
	 * {@link #start(ReuseportNettyReactiveWebServerFactory)} make.
	 * @return the handler
	 */
	ContractHandler handler() {
		return this.handler;
	}

	/**
	 * Create a server, not started, with the {@link #handler() handler}, and keep it to
	 * stop.
	 * @param factory the factory of the server
	 * @return the server
	 */
	WebServer create(ReuseportNettyReactiveWebServerFactory factory) {
		return create(factory, this.handler);
	}

	/**
	 * Create a server, not started, and keep it to stop.
	 * @param factory the factory of the server
	 * @param handler the handler of the server
	 * @return the server
	 */
	WebServer create(ReuseportNettyReactiveWebServerFactory factory, HttpHandler handler) {
		WebServer server = factory.getWebServer(handler);
		this.servers.add(server);
		return server;
	}

	/**
	 * Create and start a server with the {@link #handler() handler}, and keep it to stop.
	 * @param factory the factory of the server
	 * @return the started server
	 */
	WebServer start(ReuseportNettyReactiveWebServerFactory factory) {
		return start(factory, this.handler);
	}

	/**
	 * Create and start a server, and keep it to stop.
	 * @param factory the factory of the server
	 * @param handler the handler of the server
	 * @return the started server
	 */
	WebServer start(ReuseportNettyReactiveWebServerFactory factory, HttpHandler handler) {
		WebServer server = create(factory, handler);
		server.start();
		return server;
	}

	/**
	 * Keep a connection to close after the test.
	 * @param socket the connection
	 * @return the connection
	 */
	Socket track(Socket socket) {
		this.sockets.add(socket);
		return socket;
	}

	/**
	 * Release the requests that the {@link #handler() handler} holds, stop the servers
	 * and close the connections.
	 * @throws IOException if a connection cannot be closed
	 */
	void close() throws IOException {
		this.handler.releaseAll();
		this.servers.forEach(WebServer::stop);
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

}
