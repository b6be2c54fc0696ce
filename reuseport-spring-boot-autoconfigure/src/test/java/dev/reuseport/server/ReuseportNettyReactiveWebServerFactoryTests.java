package dev.reuseport.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.ListeningSockets;
import io.netty.channel.unix.DomainSocketAddress;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyWebServer;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.WebServer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.HttpHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ReuseportNettyReactiveWebServerFactory}.
 */
class ReuseportNettyReactiveWebServerFactoryTests {

	@Test
	void createsAServerWithTheConfiguredNumberOfListeners() {
		assertStartsAndServes(factory(3, 0), ReuseportWebServer.class, 3);
	}

	@Test
	void withoutReusePortCreatesSpringBootsSingleSocketServer() {
		ReuseportNettyReactiveWebServerFactory factory = factory(3, 0);
		factory.setReusePort(false);
		assertStartsAndServes(factory, NettyWebServer.class, 1);
	}

	@Test
	void servesAUnixDomainSocketWithOneListenerAsSpringBootDoes(@TempDir Path directory) {
		String path = directory.resolve("server.sock").toString();
		ReuseportNettyReactiveWebServerFactory factory = factory(3, 0);
		factory.addServerCustomizers((server) -> server.bindAddress(() -> new DomainSocketAddress(path)));
		try (CapturedLogs logs = CapturedLogs.capture(ReuseportWebServer.class)) {
			WebServer server = factory.getWebServer(answering("served"));
			try {
				server.start();
				assertThat(server).isInstanceOf(NettyWebServer.class);
				assertThat(server.getPort()).isEqualTo(-1);
				String body = HttpClient.create()
					.remoteAddress(() -> new DomainSocketAddress(path))
					.get()
					.uri("/")
					.responseContent()
					.aggregate()
					.asString()
					.block(Duration.ofSeconds(10));
				assertThat(body).isEqualTo("served");
			}
			finally {
				server.stop();
			}
			assertThat(logs.messages(Level.INFO)).singleElement()
				.asString()
				.contains(path)
				.contains("is not an IP socket address");
		}
	}

	@Test
	void logsSpringBootsStartupLineFromSpringBootsLoggerAsSpringBootsOwnServerDoes() {
		try (CapturedLogs logs = CapturedLogs.capture(NettyWebServer.class)) {
			NettyReactiveWebServerFactory springBootsFactory = new NettyReactiveWebServerFactory(0);
			springBootsFactory.setAddress(InetAddress.getLoopbackAddress());
			WebServer springBoots = springBootsFactory.getWebServer(answering("plain"));
			springBoots.start();
			int springBootsPort = springBoots.getPort();
			springBoots.stop();
			WebServer reuseport = factory(2, 0).getWebServer(answering("reuseport"));
			reuseport.start();
			int reuseportPort = reuseport.getPort();
			reuseport.stop();
			assertThat(logs.messages(Level.INFO)).containsExactly(
					"Netty started on port %d (http)".formatted(springBootsPort),
					"Netty started on port %d (http)".formatted(reuseportPort));
		}
	}

	@Test
	void defaultsAreOneEpollListenerPerReactorNettyWorkerWithBalancingAndStallRelief() {
		ReuseportNettyReactiveWebServerFactory factory = new ReuseportNettyReactiveWebServerFactory();
		assertThat(factory.isReusePort()).isTrue();
		assertThat(factory.getListenerCount()).isEqualTo(LoopResources.DEFAULT_IO_WORKER_COUNT);
		assertThat(factory.getTransport()).isEqualTo(ListenerTransport.EPOLL);
		assertThat(factory.getBalancing()).isEqualTo(ConnectionBalancing.DEFAULT);
		assertThat(factory.getStallRelief()).isEqualTo(StallReliefSettings.DEFAULT);
	}

	@Test
	void createsAServerWithTheFactorysSettings() {
		ReuseportNettyReactiveWebServerFactory factory = factory(2, 0);
		factory.setBalancing(ConnectionBalancing.DISABLED);
		factory.setStallRelief(StallReliefSettings.DISABLED);
		WebServer server = factory.getWebServer(answering("served"));
		assertThat(server).isInstanceOfSatisfying(ReuseportWebServer.class, (reuseport) -> {
			assertThat(reuseport.getListeners()).hasSize(2);
			assertThat(reuseport.getTransport()).isEqualTo(ListenerTransport.EPOLL);
			assertThat(reuseport.getBalancing()).isEqualTo(ConnectionBalancing.DISABLED);
			assertThat(reuseport.getStallRelief()).isEqualTo(StallReliefSettings.DISABLED);
		});
	}

	@Test
	void listenerCountMustBePositive() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ReuseportNettyReactiveWebServerFactory().setListenerCount(0))
			.withMessage("'listenerCount' must be positive");
	}

	private void assertStartsAndServes(ReuseportNettyReactiveWebServerFactory factory,
			Class<? extends WebServer> serverType, int listeningSockets) {
		WebServer server = factory.getWebServer(answering("served"));
		try {
			server.start();
			assertThat(server).isInstanceOf(serverType);
			assertThat(ListeningSockets.count(server.getPort())).isEqualTo(listeningSockets);
			assertThat(RawHttp.get(server.getPort(), "/").body()).isEqualTo("served");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void aServerOnAPortInUseFailsAsSpringBootsDoesUnlessItJoins() {
		WebServer first = factory(2, 0).getWebServer(answering("first"));
		first.start();
		try {
			WebServer refused = factory(3, first.getPort()).getWebServer(answering("refused"));
			assertThatExceptionOfType(PortInUseException.class).isThrownBy(refused::start)
				.isInstanceOfSatisfying(ReuseportPortInUseException.class, (ex) -> {
					assertThat(ex.getPort()).isEqualTo(first.getPort());
					assertThat(ex.getListeners()).isEqualTo(2);
					assertThat(ex.getPids()).containsExactly(ProcessHandle.current().pid());
				});
			assertThat(refused.getPort()).isEqualTo(-1);
			assertThat(ListeningSockets.count(first.getPort())).isEqualTo(2);
			assertThat(RawHttp.get(first.getPort(), "/").body()).isEqualTo("first");
		}
		finally {
			first.stop();
		}
	}

	@Test
	void aServerThatAnotherBindsBesideDuringItsStartRefusesAndReleasesItsListeners() throws Exception {
		int port = TestServers.freePort();
		List<ServerSocketChannel> concurrent = new ArrayList<>();
		ReuseportNettyReactiveWebServerFactory factory = factory(2, port);
		// As a process started at the same instant would: it passed its check, then
		// bound while this server bound its listeners
		factory.addServerCustomizers((server) -> server.doOnBind((config) -> {
			if (concurrent.isEmpty()) {
				concurrent.add(reusePortSocket(port));
			}
		}));
		WebServer server = factory.getWebServer(answering("refused"));
		try {
			assertThatExceptionOfType(ReuseportPortInUseException.class).isThrownBy(server::start)
				.satisfies((ex) -> assertThat(ex.getListeners()).isOne());
			assertThat(concurrent).hasSize(1);
			assertThat(ListeningSockets.count(port)).as("listeners left on the port").isOne();
		}
		finally {
			server.stop();
			for (ServerSocketChannel channel : concurrent) {
				channel.close();
			}
		}
	}

	@Test
	void aServerOnTheSamePortOfAnotherAddressIsNotInUse() throws Exception {
		WebServer first = factory(2, 0).getWebServer(answering("first"));
		first.start();
		try {
			ReuseportNettyReactiveWebServerFactory otherAddress = factory(2, first.getPort());
			otherAddress.setAddress(InetAddress.getByName("127.0.0.2"));
			WebServer second = otherAddress.getWebServer(answering("second"));
			second.start();
			try {
				assertThat(ListeningSockets.count(first.getPort())).isEqualTo(4);
				assertThat(RawHttp.get(first.getPort(), "/").body()).isEqualTo("first");
			}
			finally {
				second.stop();
			}
		}
		finally {
			first.stop();
		}
	}

	@Test
	void twoServersShareOnePortAndBothServeWhenTheSecondJoins() {
		WebServer first = factory(2, 0).getWebServer(answering("first"));
		first.start();
		try {
			ReuseportNettyReactiveWebServerFactory joining = factory(3, first.getPort());
			joining.setJoinExisting(true);
			WebServer second = joining.getWebServer(answering("second"));
			// Where tcp_migrate_req is 0 the joining server also warns of it, which
			// StartupLogIntegrationTests checks
			try (CapturedLogs logs = CapturedLogs.capture(ReuseportWebServer.class)) {
				second.start();
				assertThat(logs.messages(Level.INFO))
					.contains("Joined 2 SO_REUSEPORT listeners already on port %d (held by process %d), as "
						.formatted(first.getPort(), ProcessHandle.current().pid()) + "reuseport.join-existing allows");
			}
			try {
				assertThat(second.getPort()).isEqualTo(first.getPort());
				assertThat(ListeningSockets.count(first.getPort())).isEqualTo(5);
				Set<String> answers = ConcurrentHashMap.newKeySet();
				for (int i = 0; i < 200 && answers.size() < 2; i++) {
					answers.add(RawHttp.get(first.getPort(), "/").body());
				}
				assertThat(answers).containsExactlyInAnyOrder("first", "second");
			}
			finally {
				second.stop();
			}
		}
		finally {
			first.stop();
		}
	}

	@Test
	void portHeldByASpringBootServerWithoutReuseportFailsWithReuseportBindExceptionWhenJoining() {
		NettyReactiveWebServerFactory plainFactory = new NettyReactiveWebServerFactory(0);
		plainFactory.setAddress(InetAddress.getLoopbackAddress());
		WebServer plain = plainFactory.getWebServer(answering("plain"));
		plain.start();
		try {
			ReuseportNettyReactiveWebServerFactory joining = factory(2, plain.getPort());
			joining.setJoinExisting(true);
			WebServer reuseport = joining.getWebServer(answering("reuseport"));
			assertThatExceptionOfType(ReuseportBindException.class).isThrownBy(reuseport::start)
				.satisfies((ex) -> assertThat(ex.getPort()).isEqualTo(plain.getPort()));
			assertThat(ListeningSockets.count(plain.getPort())).isEqualTo(1);
		}
		finally {
			plain.stop();
		}
	}

	@Test
	void portHeldByReuseportListenersRefusesASpringBootServerWithoutReuseport() {
		WebServer reuseport = factory(2, 0).getWebServer(answering("reuseport"));
		reuseport.start();
		try {
			NettyReactiveWebServerFactory plainFactory = new NettyReactiveWebServerFactory(reuseport.getPort());
			plainFactory.setAddress(InetAddress.getLoopbackAddress());
			WebServer plain = plainFactory.getWebServer(answering("plain"));
			assertThatExceptionOfType(PortInUseException.class).isThrownBy(plain::start);
			assertThat(RawHttp.get(reuseport.getPort(), "/").body()).isEqualTo("reuseport");
		}
		finally {
			reuseport.stop();
		}
	}

	private static ServerSocketChannel reusePortSocket(int port) {
		try {
			ServerSocketChannel channel = ServerSocketChannel.open();
			channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
			return channel;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static ReuseportNettyReactiveWebServerFactory factory(int listeners, int port) {
		ReuseportNettyReactiveWebServerFactory factory = new ReuseportNettyReactiveWebServerFactory();
		factory.setListenerCount(listeners);
		factory.setAddress(InetAddress.getLoopbackAddress());
		factory.setPort(port);
		return factory;
	}

	private static HttpHandler answering(String body) {
		return (request, response) -> response
			.writeWith(Mono.just(DefaultDataBufferFactory.sharedInstance.wrap(body.getBytes())));
	}

}
