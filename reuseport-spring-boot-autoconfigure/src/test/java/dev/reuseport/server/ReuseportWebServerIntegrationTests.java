package dev.reuseport.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.TestHttpClients;
import dev.reuseport.test.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.reuseport.test.TestApplication.managementPort;
import static dev.reuseport.test.TestApplication.port;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ReuseportWebServer}: a real application on real epoll and
 * io_uring sockets of 127.0.0.1, observed through the kernel and real clients.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportWebServerIntegrationTests {

	@ParameterizedTest
	@ValueSource(ints = { 1, 3 })
	void bindsOneListeningSocketPerConfiguredListener(int listeners) {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=" + listeners)) {
			assertThat(ListeningSockets.count(port(context))).isEqualTo(listeners);
			assertThat(webServer(context).getListeners()).hasSize(listeners).allMatch(ReuseportListener::isOpen);
		}
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void bindsOneListeningSocketPerEventLoopByDefault(ListenerTransport transport) {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport))) {
			assertThat(webServer(context).getTransport()).isEqualTo(transport);
			assertThat(ListeningSockets.count(port(context))).isEqualTo(LoopResources.DEFAULT_IO_WORKER_COUNT);
		}
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void spreadsShortConnectionsOverEveryListenerAndServesEachOnTheLoopThatAcceptedIt(ListenerTransport transport) {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport),
				"reuseport.listeners=4")) {
			int port = port(context);
			List<ServedBy> served = IntStream.range(0, 400)
				.mapToObj((i) -> ServedBy.parse(RawHttp.get(port, "/whoami").body()))
				.toList();
			assertThat(served)
				.allSatisfy((servedBy) -> assertThat(servedBy.onOwnLoop()).as(servedBy.toString()).isTrue());
			assertThat(served.stream().map(ServedBy::listener).collect(Collectors.toSet())).containsExactlyInAnyOrder(0,
					1, 2, 3);
		}
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void portZeroBindsEveryListenerOnTheEphemeralPortOfTheConfiguredAddress(ListenerTransport transport,
			CapturedOutput output) {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport),
				"reuseport.listeners=3")) {
			int port = port(context);
			assertThat(port).isPositive();
			assertThat(context.getEnvironment().getProperty("local.server.port", Integer.class)).isEqualTo(port);
			assertThat(ListeningSockets.on(port)).hasSize(3)
				.allMatch((address) -> address.endsWith(String.format("0100007F:%04X", port)));
			assertThat(output.getOut().lines().filter((line) -> line.contains("Netty started on port " + port)))
				.singleElement()
				.asString()
				.endsWith("Netty started on port " + port + " (http)");
			assertThat(output.getOut())
				.contains("3 SO_REUSEPORT " + transport.id() + " listeners on port " + port + ", one per event loop");
		}
	}

	@Test
	void stopClosesEveryListenerAndShutsItsEventLoopsDown() {
		ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3");
		ReuseportWebServer webServer = webServer(context);
		int port = port(context);
		RawHttp.get(port, "/whoami");
		context.close();
		assertThat(ListeningSockets.count(port)).isZero();
		assertThat(webServer.getPort()).isEqualTo(-1);
		assertThat(webServer.getListeners()).noneMatch(ReuseportListener::isOpen);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> Thread.getAllStackTraces()
				.keySet()
				.stream()
				.noneMatch((thread) -> thread.getName().startsWith(ReuseportListener.THREAD_NAME_PREFIX)));
	}

	@Test
	void servesHttp2OverTlsOnEveryListener() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3",
				"server.http2.enabled=true", "server.ssl.key-store=classpath:test.p12",
				"server.ssl.key-store-password=secret1", "server.ssl.key-store-type=PKCS12")) {
			assertHttp2OnEveryListener(port(context), true, 3);
		}
	}

	@Test
	void servesHttp2InClearTextOnEveryListener() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3",
				"server.http2.enabled=true")) {
			assertHttp2OnEveryListener(port(context), false, 3);
		}
	}

	private void assertHttp2OnEveryListener(int port, boolean tls, int listeners) {
		String uri = (tls ? "https" : "http") + "://127.0.0.1:" + port + "/whoami";
		Set<Integer> seen = ConcurrentHashMap.newKeySet();
		for (int i = 0; i < 200 && seen.size() < listeners; i++) {
			// A provider of its own per request forces a new TCP connection, which
			// HTTP/2 pooling would otherwise share
			ConnectionProvider provider = ConnectionProvider.create("h2-" + i, 1);
			try {
				String answer = TestHttpClients.http2(provider, tls)
					.get()
					.uri(uri)
					.responseSingle((response, body) -> body.asString().map((text) -> response.version() + "|" + text))
					.block(Duration.ofSeconds(10));
				String[] versionAndBody = answer.split("\\|");
				assertThat(versionAndBody[0]).isEqualTo("HTTP/2.0");
				ServedBy servedBy = ServedBy.parse(versionAndBody[1]);
				assertThat(servedBy.onOwnLoop()).as(servedBy.toString()).isTrue();
				seen.add(servedBy.listener());
			}
			finally {
				provider.disposeLater().block(Duration.ofSeconds(10));
			}
		}
		assertThat(seen).hasSize(listeners);
	}

	@Test
	void serverSettingsCustomizersAndRouteProvidersHoldOnEveryListener() throws IOException {
		try (ConfigurableApplicationContext context = TestApplication.run(
				new Class<?>[] { CustomizationsConfiguration.class }, "reuseport.listeners=3",
				"server.compression.enabled=true", "server.compression.min-response-size=1KB",
				"server.netty.max-keep-alive-requests=1")) {
			int port = port(context);
			Set<Integer> compressed = ConcurrentHashMap.newKeySet();
			Set<Integer> routed = ConcurrentHashMap.newKeySet();
			Set<Integer> closedAfterOneRequest = ConcurrentHashMap.newKeySet();
			for (int i = 0; i < 300
					&& (compressed.size() < 3 || routed.size() < 3 || closedAfterOneRequest.size() < 3); i++) {
				Response large = RawHttp.get(port, "/large", "Accept-Encoding: gzip");
				if ("gzip".equals(large.header("content-encoding"))) {
					compressed.add(listenerOf(RawHttp.get(port, "/whoami")));
				}
				Response provided = RawHttp.get(port, "/provided");
				if (provided.body().startsWith("provided ")) {
					routed.add(ServedBy.parse(provided.body().substring("provided ".length())).listener());
				}
				try (Socket socket = RawHttp.connect(port)) {
					RawHttp.send(socket, "/whoami", false);
					Response keptAlive = RawHttp.read(socket);
					if ("close".equals(keptAlive.header("connection"))) {
						closedAfterOneRequest.add(ServedBy.parse(keptAlive.body()).listener());
					}
				}
			}
			assertThat(compressed).as("gzip (server.compression)").containsExactlyInAnyOrder(0, 1, 2);
			assertThat(routed).as("NettyRouteProvider").containsExactlyInAnyOrder(0, 1, 2);
			assertThat(closedAfterOneRequest).as("server.netty.max-keep-alive-requests")
				.containsExactlyInAnyOrder(0, 1, 2);
			assertThat(context.getBean(CustomizationsConfiguration.class).initializedOn).as("NettyServerCustomizer")
				.containsExactlyInAnyOrder("reuseport-listener-0", "reuseport-listener-1", "reuseport-listener-2");
		}
	}

	private int listenerOf(Response response) {
		return ServedBy.parse(response.body()).listener();
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void gracefulShutdownCompletesAnInFlightRequestOnANonZeroListenerAndRefusesNewConnections(
			ListenerTransport transport) throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport),
				"reuseport.listeners=3", "server.shutdown=graceful")) {
			int port = port(context);
			TestApplication.SLOW_REQUESTS.clear();
			try (Socket inFlight = openSlowRequestOnNonZeroListener(port)) {
				CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
				webServer(context).shutDownGracefully(result::complete);
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThatExceptionOfType(ConnectException.class)
						.isThrownBy(() -> RawHttp.connect(port).close()));
				assertThat(result).isNotDone();
				Response response = RawHttp.read(inFlight);
				assertThat(response.status()).isEqualTo(200);
				assertThat(ServedBy.parse(response.body()).listener()).isNotZero();
				assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
			}
		}
	}

	private Socket openSlowRequestOnNonZeroListener(int port) throws Exception {
		for (int attempt = 0; attempt < 100; attempt++) {
			Socket socket = RawHttp.connect(port);
			// Long enough to be in flight still once new connections are refused, on a
			// busy machine too
			RawHttp.send(socket, "/slow?millis=5000", false);
			ServedBy servedBy = TestApplication.SLOW_REQUESTS.poll(10, TimeUnit.SECONDS);
			assertThat(servedBy).as("slow request arrived").isNotNull();
			if (servedBy.listener() != 0) {
				return socket;
			}
			socket.close();
		}
		throw new AssertionError("No connection landed on a listener other than 0");
	}

	@Test
	void separateManagementPortRunsAPlainSingleSocketServer() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3",
				"management.server.port=0")) {
			int port = port(context);
			int managementPort = managementPort(context);
			assertThat(managementPort).isNotEqualTo(port);
			assertThat(ListeningSockets.count(port)).isEqualTo(3);
			assertThat(ListeningSockets.count(managementPort)).isEqualTo(1);
			Response health = RawHttp.get(managementPort, "/actuator/health");
			assertThat(health.status()).isEqualTo(200);
			assertThat(health.body()).contains("\"status\":\"UP\"");
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizationsConfiguration {

		final Set<String> initializedOn = ConcurrentHashMap.newKeySet();

		@Bean
		NettyServerCustomizer recordingCustomizer() {
			return (server) -> server.doOnChannelInit(
					(observer, channel, remoteAddress) -> this.initializedOn.add(Thread.currentThread().getName()));
		}

		@Bean
		NettyRouteProvider providedRoute() {
			return (routes) -> routes.get("/provided", (request, response) -> {
				String servedBy = new ServedBy(channelListener(request), Thread.currentThread().getName()).toString();
				return response.sendString(reactor.core.publisher.Mono.just("provided " + servedBy));
			});
		}

		private static int channelListener(reactor.netty.http.server.HttpServerRequest request) {
			int[] index = { -1 };
			request.withConnection((connection) -> {
				ReuseportListener listener = connection.channel().attr(ReuseportListener.LISTENER).get();
				index[0] = (listener != null) ? listener.index() : -1;
			});
			return index[0];
		}

	}

}
