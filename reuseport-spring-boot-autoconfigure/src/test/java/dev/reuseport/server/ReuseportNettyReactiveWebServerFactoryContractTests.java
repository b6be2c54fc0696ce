package dev.reuseport.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.TestHttpClients;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.Compression;
import org.springframework.boot.web.server.Http2;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static dev.reuseport.server.ContractServers.LISTENERS;
import static dev.reuseport.server.ContractServers.TIMEOUT;
import static dev.reuseport.server.ContractServers.factory;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Checks Spring Boot's contract of a reactive web server factory, as Spring Boot's
 * {@code AbstractReactiveWebServerFactoryTests} and
 * {@code NettyReactiveWebServerFactoryTests} define it, against
 * {@link ReuseportNettyReactiveWebServerFactory}, on every listener of each server (see
 * {@link EveryListener}): real servers on 127.0.0.1 and real clients. It covers:
 * <ul>
 * <li>{@code getPort()}: -1 before the start, the port of every listener once started on
 * port 0, -1 after a stop and after {@code destroy()};</li>
 * <li>idempotent start and stop, and a restart after a stop;</li>
 * <li>an address that cannot be assigned fails the start with a
 * {@link WebServerException} and leaves no listener loop running;</li>
 * <li>{@link NettyServerCustomizer customizers}, applied once each and in order, and
 * route providers, in order and before the handler;</li>
 * <li>forwarded headers, used only when enabled;</li>
 * <li>compression of responses to GET and POST, and none below the minimum size, for
 * other MIME types, an invalid content type or an excluded user agent;</li>
 * <li>h2c with HTTP/1.1 still served;</li>
 * <li>a {@link ReactorResourceFactory} stopped and started around the server;</li>
 * <li>Spring Boot's {@code server.*} properties on the auto-configured factory:
 * {@code forward-headers-strategy=native}, {@code max-http-request-header-size},
 * {@code netty.max-initial-line-length} and {@code netty.idle-timeout}.</li>
 * </ul>
 * SSL is checked by {@link ReuseportNettyReactiveWebServerFactorySslContractTests}, and
 * shutdown, immediate and graceful, by
 * {@link ReuseportNettyReactiveWebServerFactoryShutdownContractTests}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportNettyReactiveWebServerFactoryContractTests {

	private final ContractServers servers = new ContractServers();

	@AfterEach
	void stopServersAndCloseConnections() throws IOException {
		this.servers.close();
	}

	@Test
	void portIsMinusOneBeforeTheStartAndAfterAStopOrADestroy() {
		WebServer server = this.servers.create(factory());
		assertThat(server.getPort()).isEqualTo(-1);
		server.start();
		int port = server.getPort();
		assertThat(port).isPositive();
		assertThat(ListeningSockets.on(port)).hasSize(LISTENERS)
			// 127.0.0.1, or IPv4-mapped on a dual-stack socket
			.allMatch((address) -> address.endsWith(String.format("0100007F:%04X", port)));
		server.stop();
		assertThat(server.getPort()).isEqualTo(-1);
		server.start();
		int restartedPort = server.getPort();
		assertThat(restartedPort).isPositive();
		server.destroy();
		assertThat(server.getPort()).isEqualTo(-1);
		assertThat(ListeningSockets.count(restartedPort)).isZero();
	}

	@Test
	void startAndStopAreIdempotent() {
		WebServer server = this.servers.create(factory());
		server.stop();
		server.start();
		int port = server.getPort();
		server.start();
		assertThat(server.getPort()).isEqualTo(port);
		assertThat(ListeningSockets.count(port)).isEqualTo(LISTENERS);
		EveryListener.check(server, () -> assertThat(RawHttp.get(port, "/").body()).isEqualTo("handled"));
		server.stop();
		server.stop();
		assertThat(ListeningSockets.count(port)).isZero();
	}

	@Test
	void echoesTheRequestBodyOnEveryListenerAndServesAgainAfterARestart() {
		WebServer server = this.servers.start(factory());
		int port = server.getPort();
		EveryListener.check(server, () -> assertThat(post(port, "Hello World")).isEqualTo("Hello World"));
		server.stop();
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawHttp.connect(port).close());
		server.start();
		int restartedPort = server.getPort();
		assertThat(ListeningSockets.count(restartedPort)).isEqualTo(LISTENERS);
		EveryListener.check(server, () -> assertThat(post(restartedPort, "Hello again")).isEqualTo("Hello again"));
	}

	@Test
	void anAddressThatCannotBeAssignedFailsTheStartAndLeavesNoListenerLoopRunning() throws Exception {
		Set<Thread> loopsBefore = listenerLoopThreads();
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setAddress(InetAddress.getByName("1.2.3.4"));
		WebServer server = this.servers.create(factory);
		assertThatExceptionOfType(WebServerException.class).isThrownBy(server::start)
			.isNotInstanceOf(PortInUseException.class);
		assertThat(server.getPort()).isEqualTo(-1);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(listenerLoopThreads()).isSubsetOf(loopsBefore));
	}

	@Test
	void customizersAreAppliedOnceEachInOrderAndHoldOnEveryListener() {
		List<String> applied = new CopyOnWriteArrayList<>();
		Map<String, Set<Integer>> initializedOn = new ConcurrentHashMap<>();
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setServerCustomizers(
				List.of(recording("first", applied, initializedOn), recording("second", applied, initializedOn)));
		WebServer server = this.servers.start(factory);
		assertThat(applied).containsExactly("first", "second");
		EveryListener.check(server, () -> RawHttp.get(server.getPort(), "/"));
		assertThat(initializedOn).containsOnlyKeys("first", "second")
			.allSatisfy((customizer, listeners) -> assertThat(listeners).as(customizer).containsExactly(0, 1, 2));
	}

	private static NettyServerCustomizer recording(String name, List<String> applied,
			Map<String, Set<Integer>> initializedOn) {
		return (server) -> {
			applied.add(name);
			return server.doOnChannelInit((observer, channel, remoteAddress) -> {
				ReuseportListener listener = channel.attr(ReuseportListener.LISTENER).get();
				initializedOn.computeIfAbsent(name, (key) -> new ConcurrentSkipListSet<>())
					.add((listener != null) ? listener.index() : -1);
			});
		};
	}

	@Test
	void routeProvidersAreAppliedInOrderBeforeTheHandlerOnEveryListener() {
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.addRouteProviders(
				(routes) -> routes.get("/route", (request, response) -> response.sendString(Mono.just("first"))),
				(routes) -> routes.get("/route", (request, response) -> response.sendString(Mono.just("second")))
					.get("/second", (request, response) -> response.sendString(Mono.just("second only"))));
		WebServer server = this.servers.start(factory);
		int port = server.getPort();
		EveryListener.check(server, () -> assertThat(RawHttp.get(port, "/route").body()).isEqualTo("first"));
		EveryListener.check(server, () -> assertThat(RawHttp.get(port, "/second").body()).isEqualTo("second only"));
		EveryListener.check(server, () -> assertThat(RawHttp.get(port, "/other").body()).isEqualTo("handled"));
	}

	@Test
	void forwardedHeadersAreUsedOnEveryListenerOnlyWhenEnabled() {
		String[] forwarded = { "X-Forwarded-Proto: https", "X-Forwarded-Host: example.com" };
		WebServer ignoring = this.servers.start(factory());
		EveryListener.check(ignoring, () -> assertThat(RawHttp.get(ignoring.getPort(), "/uri", forwarded).body())
			.startsWith("http://127.0.0.1"));
		ignoring.stop();
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setUseForwardHeaders(true);
		WebServer using = this.servers.start(factory);
		EveryListener.check(using, () -> assertThat(RawHttp.get(using.getPort(), "/uri", forwarded).body())
			.isEqualTo("https://example.com/uri"));
	}

	@Test
	void responsesToGetAndPostAreCompressedOnEveryListener() {
		WebServer server = this.servers.start(compressing(new Compression()));
		EveryListener.check(server, () -> assertCompressed(chars(server, HttpMethod.GET, 3000, "text/plain"), 3000));
		EveryListener.check(server, () -> assertCompressed(chars(server, HttpMethod.POST, 3000, "text/plain"), 3000));
	}

	@Test
	void responsesBelowTheMinimumSizeAreNotCompressedOnEveryListener() {
		Compression compression = new Compression();
		compression.setMinResponseSize(DataSize.ofBytes(3001));
		WebServer server = this.servers.start(compressing(compression));
		EveryListener.check(server, () -> assertNotCompressed(chars(server, HttpMethod.GET, 3000, "text/plain"), 3000));
		EveryListener.check(server, () -> assertCompressed(chars(server, HttpMethod.GET, 6000, "text/plain"), 6000));
	}

	@Test
	void responsesOfOtherOrInvalidMimeTypesAreNotCompressedOnEveryListener() {
		Compression compression = new Compression();
		compression.setMimeTypes(new String[] { "application/json" });
		WebServer server = this.servers.start(compressing(compression));
		EveryListener.check(server, () -> assertNotCompressed(chars(server, HttpMethod.GET, 3000, "text/plain"), 3000));
		EveryListener.check(server, () -> assertNotCompressed(chars(server, HttpMethod.GET, 3000, "test~plain"), 3000));
		EveryListener.check(server,
				() -> assertCompressed(chars(server, HttpMethod.GET, 3000, "application/json"), 3000));
	}

	@Test
	void responsesToAnExcludedUserAgentAreNotCompressedOnEveryListener() {
		Compression compression = new Compression();
		compression.setExcludedUserAgents(new String[] { "testUserAgent" });
		WebServer server = this.servers.start(compressing(compression));
		EveryListener.check(server, () -> assertNotCompressed(chars(server, "testUserAgent"), 3000));
		EveryListener.check(server, () -> assertCompressed(chars(server, "otherUserAgent"), 3000));
	}

	@Test
	void h2cAndHttp11AreBothServedOnEveryListenerWhenHttp2IsEnabledWithoutSsl() {
		Http2 http2 = new Http2();
		http2.setEnabled(true);
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setHttp2(http2);
		WebServer server = this.servers.start(factory);
		int port = server.getPort();
		EveryListener.check(server, () -> assertThat(postOverH2c(port, "Hello h2c")).isEqualTo("HTTP/2.0 Hello h2c"));
		EveryListener.check(server, () -> assertThat(post(port, "Hello HTTP/1.1")).isEqualTo("Hello HTTP/1.1"));
	}

	@Test
	void aResourceFactoryStoppedAndStartedAroundTheServerLeavesEveryListenerServing() {
		ReactorResourceFactory resourceFactory = new ReactorResourceFactory();
		resourceFactory.setUseGlobalResources(false);
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setResourceFactory(resourceFactory);
		WebServer server = this.servers.create(factory);
		try {
			resourceFactory.start();
			server.start();
			server.stop();
			resourceFactory.stop();
			resourceFactory.start();
			server.start();
			int port = server.getPort();
			assertThat(ListeningSockets.count(port)).isEqualTo(LISTENERS);
			EveryListener.check(server, () -> assertThat(post(port, "Hello World")).isEqualTo("Hello World"));
		}
		finally {
			server.stop();
			resourceFactory.stop();
		}
	}

	@Test
	void springBootsServerPropertiesHoldOnEveryListener() {
		try (ConfigurableApplicationContext context = TestApplication.run(new Class<?>[] { UriRoute.class },
				"reuseport.listeners=" + LISTENERS, "server.forward-headers-strategy=native",
				"server.max-http-request-header-size=1KB", "server.netty.max-initial-line-length=1KB")) {
			WebServer server = webServer(context);
			int port = server.getPort();
			EveryListener.check(server,
					() -> assertThat(RawHttp.get(port, "/uri", "X-Forwarded-Proto: https",
							"X-Forwarded-Host: example.com", "X-Padding: " + "x".repeat(512)))
						.satisfies((response) -> assertThat(response.status()).isEqualTo(200))
						.satisfies((response) -> assertThat(response.body()).isEqualTo("https://example.com/uri")));
			// Just over the limits: Reactor Netty resets a connection, Spring Boot's own
			// server's too, when it closes it before it has read a much longer request
			try (CapturedLogs logs = CapturedLogs.capture("reactor.netty.http.server.HttpServerOperations")) {
				EveryListener.check(server,
						() -> assertThat(RawHttp.get(port, "/uri", "X-Padding: " + "x".repeat(1500)).status())
							.as("max-http-request-header-size")
							.isEqualTo(431));
				EveryListener.check(server,
						() -> assertThat(RawHttp.get(port, "/uri?" + "x".repeat(1100)).status())
							.as("max-initial-line-length")
							.isEqualTo(414));
				assertThat(logs.messages(Level.WARN)).isNotEmpty()
					.allMatch((message) -> message.contains("Decoding failed"));
			}
		}
	}

	@Test
	void idleTimeoutClosesIdleConnectionsOnEveryListener() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=" + LISTENERS,
				"server.netty.idle-timeout=1s")) {
			int port = webServer(context).getPort();
			Set<Integer> listeners = new TreeSet<>();
			List<Socket> idle = new ArrayList<>();
			for (int i = 0; i < 200 && listeners.size() < LISTENERS; i++) {
				Socket socket = this.servers.track(RawHttp.connect(port));
				RawHttp.send(socket, "/whoami", false);
				Response response = RawHttp.read(socket);
				assertThat(response.header("connection")).as("kept alive").isNull();
				listeners.add(ServedBy.parse(response.body()).listener());
				idle.add(socket);
			}
			assertThat(listeners).hasSize(LISTENERS);
			for (Socket socket : idle) {
				// Within the socket's 10 s timeout
				assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
			}
		}
	}

	private ReuseportNettyReactiveWebServerFactory compressing(Compression compression) {
		compression.setEnabled(true);
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setCompression(compression);
		return factory;
	}

	private static Set<Thread> listenerLoopThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(ReuseportListener.THREAD_NAME_PREFIX))
			.collect(Collectors.toSet());
	}

	private static String post(int port, String body) {
		return HttpClient.create(ConnectionProvider.newConnection())
			.post()
			.uri("http://127.0.0.1:" + port + "/echo")
			.send(ByteBufFlux.fromString(Mono.just(body)))
			.responseContent()
			.aggregate()
			.asString()
			.block(TIMEOUT);
	}

	private static String postOverH2c(int port, String body) {
		// A provider of its own forces a new connection, which HTTP/2 would share
		ConnectionProvider provider = ConnectionProvider.create("h2c-contract", 1);
		try {
			return TestHttpClients.http2(provider, false)
				.post()
				.uri("http://127.0.0.1:" + port + "/echo")
				.send(ByteBufFlux.fromString(Mono.just(body)))
				.responseSingle(
						(response, content) -> content.asString().map((text) -> response.version() + " " + text))
				.block(TIMEOUT);
		}
		finally {
			provider.disposeLater().block(TIMEOUT);
		}
	}

	private static Answer chars(WebServer server, HttpMethod method, int size, String type) {
		return chars(server, method, size, type, "contract-tests");
	}

	private static Answer chars(WebServer server, String userAgent) {
		return chars(server, HttpMethod.GET, 3000, "text/plain", userAgent);
	}

	private static Answer chars(WebServer server, HttpMethod method, int size, String type, String userAgent) {
		// No decompression on the client: the response is read as it was sent
		return HttpClient.create(ConnectionProvider.newConnection())
			.headers((headers) -> headers.set(HttpHeaderNames.ACCEPT_ENCODING, "gzip")
				.set(HttpHeaderNames.USER_AGENT, userAgent))
			.request(method)
			.uri("http://127.0.0.1:" + server.getPort() + "/chars?size=" + size + "&type=" + type)
			.responseSingle((response, body) -> body.asByteArray()
				.defaultIfEmpty(new byte[0])
				.map((bytes) -> new Answer(response.status().code(),
						response.responseHeaders().get(HttpHeaderNames.CONTENT_ENCODING), bytes)))
			.block(TIMEOUT);
	}

	private static void assertCompressed(Answer answer, int size) throws IOException {
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.contentEncoding()).as("content encoding").isEqualTo("gzip");
		try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(answer.body()))) {
			assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("F".repeat(size));
		}
	}

	private static void assertNotCompressed(Answer answer, int size) {
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.contentEncoding()).as("content encoding").isNull();
		assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("F".repeat(size));
	}

	/**
	 * A response read as it was sent.
	 */
	private record Answer(int status, String contentEncoding, byte[] body) {

	}

	/**
	 * Answers {@code /uri} with the URI of the request as the application sees it.
	 */
	@Configuration(proxyBeanMethods = false)
	static class UriRoute {

		@Bean
		RouterFunction<ServerResponse> uriRoute() {
			return RouterFunctions.route()
				.GET("/uri", (request) -> ServerResponse.ok().bodyValue(request.uri().toString()))
				.build();
		}

	}

}
