package dev.reuseport.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import dev.reuseport.metrics.ReuseportMeters;
import dev.reuseport.server.ListenerTransport;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.test.Downstream;
import dev.reuseport.test.LoopConnections;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.Transports;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.function.client.WebClient;

import static dev.reuseport.test.TestApplication.port;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ClientLoopAffinity} in a whole application: a handler
 * calls a real downstream server through the auto-configured {@link WebClient}, over real
 * connections on 127.0.0.1, and answers with the thread of the request and the thread of
 * the downstream response.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClientLoopAffinityIntegrationTests {

	private static final int CALLS = 240;

	private static final double REQUIRED_SHARE = 0.95;

	private Downstream downstream;

	@BeforeEach
	void startDownstream() {
		this.downstream = Downstream.start();
	}

	@AfterEach
	void stopDownstream() {
		this.downstream.close();
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void callsOverNewInboundConnectionsStayOnTheInboundLoop(ListenerTransport transport) throws Exception {
		List<ProxiedCall> calls;
		try (ConfigurableApplicationContext context = run(Transports.use(transport))) {
			calls = overNewConnections(port(context), CALLS);
			assertThat(calls)
				.allSatisfy((call) -> assertThat(call.inbound()).startsWith(ReuseportListener.THREAD_NAME_PREFIX));
			assertMeters(context, calls);
		}
		report("starter on " + transport + ", new connections", calls);
		assertThat(share(calls)).isGreaterThanOrEqualTo(REQUIRED_SHARE);
	}

	@Test
	void callsOverNewInboundConnectionsLeaveTheLoopWithoutClientAffinity() throws Exception {
		List<ProxiedCall> calls = withApplication(() -> run("reuseport.client-affinity.enabled=false"),
				this::overNewConnections);
		report("starter without client affinity, new connections", calls);
		assertThat(share(calls)).isLessThan(REQUIRED_SHARE);
		report("default server, new connections",
				withApplication(() -> run("reuseport.enabled=false"), this::overNewConnections));
	}

	@Test
	void callsOverKeepAliveInboundConnectionsStayOnTheInboundLoop() throws Exception {
		List<ProxiedCall> calls;
		try (ConfigurableApplicationContext context = run()) {
			calls = overKeepAlive(port(context), CALLS);
			assertMeters(context, calls);
		}
		report("starter, keep-alive", calls);
		assertThat(share(calls)).isGreaterThanOrEqualTo(REQUIRED_SHARE);
		List<ProxiedCall> withoutAffinity = withApplication(() -> run("reuseport.client-affinity.enabled=false"),
				this::overKeepAlive);
		report("starter without client affinity, keep-alive", withoutAffinity);
		assertThat(share(withoutAffinity)).isLessThan(REQUIRED_SHARE);
		report("default server, keep-alive",
				withApplication(() -> run("reuseport.enabled=false"), this::overKeepAlive));
	}

	@Test
	void callsStayOnTheInboundLoopWithTheManagementServerOnItsOwnPort() throws Exception {
		try (ConfigurableApplicationContext context = run("management.server.port=0")) {
			assertThat(share(overKeepAlive(port(context), 40))).isGreaterThanOrEqualTo(REQUIRED_SHARE);
			assertThat(RawHttp.get(TestApplication.managementPort(context), "/actuator/health").status())
				.isEqualTo(200);
		}
	}

	@Test
	void aServerRestartDisposesEveryLoopPoolAndCallsStayOnTheNewLoops() throws Exception {
		try (ConfigurableApplicationContext context = run(RecordedPoolsConfiguration.class)) {
			RecordedPools pools = context.getBean(RecordedPools.class);
			assertThat(share(overKeepAlive(port(context), 40))).isGreaterThanOrEqualTo(REQUIRED_SHARE);
			assertThat(pools.live()).isNotEmpty()
				.allSatisfy((name) -> assertThat(name).startsWith("recorded.listener-"));
			ReuseportWebServer server = webServer(context);
			try (Socket inFlight = RawHttp.connect(port(context))) {
				RawHttp.send(inFlight, "/proxy?path=/hold", false);
				await().atMost(Duration.ofSeconds(10)).until(() -> this.downstream.held() == 1);
				server.stop();
				// The call in flight ends with its loop, and so does its request: the
				// connection closes, at most after a 503 from the failed call
				assertThat(untilClosed(inFlight)).doesNotStartWith("HTTP/1.1 200");
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> pools.live().isEmpty());
			// The loops' client connections closed with the server, none left open
			await().atMost(Duration.ofSeconds(10)).until(() -> this.downstream.openConnections() == 0);
			server.start();
			assertThat(share(overKeepAlive(server.getPort(), 40))).isGreaterThanOrEqualTo(REQUIRED_SHARE);
			assertThat(pools.live()).isNotEmpty()
				.allSatisfy((name) -> assertThat(name).startsWith("recorded.listener-"))
				.hasSizeLessThanOrEqualTo(server.getListeners().size());
		}
	}

	@Test
	void anApplicationRestartDisposesEveryLoopPoolAndCallsStayOnTheNewLoops() throws Exception {
		try (ConfigurableApplicationContext context = run(RecordedPoolsConfiguration.class)) {
			RecordedPools pools = context.getBean(RecordedPools.class);
			assertThat(share(overKeepAlive(port(context), 40))).isGreaterThanOrEqualTo(REQUIRED_SHARE);
			assertThat(pools.live()).isNotEmpty();
			// Spring's lifecycle stops the web server and the ReactorResourceFactory,
			// then starts both again
			context.stop();
			await().atMost(Duration.ofSeconds(10)).until(() -> pools.live().isEmpty());
			await().atMost(Duration.ofSeconds(10)).until(() -> this.downstream.openConnections() == 0);
			context.start();
			assertThat(share(overKeepAlive(port(context), 40))).isGreaterThanOrEqualTo(REQUIRED_SHARE);
			assertThat(pools.live()).isNotEmpty()
				.allSatisfy((name) -> assertThat(name).startsWith("recorded.listener-"))
				.hasSizeLessThanOrEqualTo(webServer(context).getListeners().size());
		}
	}

	@Test
	void callFromAThreadOffTheListenerLoopsUsesTheApplicationLoopsAndPool() {
		try (ConfigurableApplicationContext context = run(RecordedPoolsConfiguration.class)) {
			FunctionCounter offLoop = context.getBean(MeterRegistry.class)
				.get(ReuseportMeters.CLIENT_CALLS_OFF_LOOP)
				.functionCounter();
			double before = offLoop.count();
			String answer = context.getBean(WebClient.Builder.class)
				.baseUrl(this.downstream.url())
				.build()
				.get()
				.uri("/ok")
				.retrieve()
				.bodyToMono(String.class)
				.map((body) -> body + " on " + Thread.currentThread().getName())
				.block(Duration.ofSeconds(10));
			assertThat(answer).startsWith("ok on " + RecordedPoolsConfiguration.LOOPS + "-");
			assertThat(context.getBean(RecordedPools.class).created()).containsExactly("recorded");
			assertThat(offLoop.count()).isEqualTo(before + 1);
			assertThat(context.getBean(ClientLoopAffinity.class).getCounts().offListener()).isOne();
		}
	}

	@Test
	void poolLimitsAndTimeoutsHoldPerLoop() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(
				new Class<?>[] { ProxyConfiguration.class, SingleConnectionPoolConfiguration.class },
				"downstream.url=" + this.downstream.url(), "reuseport.listeners=2",
				"reuseport.balance.enabled=false")) {
			int port = port(context);
			List<Socket> sockets = new ArrayList<>();
			try {
				Socket holding = opened(RawHttp.connect(port), sockets);
				String loop = servedBy(holding).thread();
				Socket sameLoop = opened(LoopConnections.open(port, (servedBy) -> servedBy.thread().equals(loop)),
						sockets);
				Socket otherLoop = opened(LoopConnections.open(port, (servedBy) -> !servedBy.thread().equals(loop)),
						sockets);
				// The one connection of the holding loop's pool is busy until released
				RawHttp.send(holding, "/proxy?path=/hold", false);
				await().atMost(Duration.ofSeconds(10)).until(() -> this.downstream.held() == 1);
				RawHttp.send(otherLoop, "/proxy?path=/ok", false);
				ProxiedCall other = ProxiedCall.parse(RawHttp.read(otherLoop).body());
				assertThat(other.inbound()).isNotEqualTo(loop);
				assertThat(other.onInboundLoop()).isTrue();
				long start = System.nanoTime();
				RawHttp.send(sameLoop, "/proxy?path=/ok", false);
				Response timedOut = RawHttp.read(sameLoop);
				assertThat(timedOut.status()).isEqualTo(503);
				assertThat(timedOut.body()).contains("PoolAcquireTimeoutException");
				assertThat(Duration.ofNanos(System.nanoTime() - start))
					.isGreaterThanOrEqualTo(SingleConnectionPoolConfiguration.ACQUIRE_TIMEOUT);
				// The held call and the other loop's call acquired a connection; the
				// timed out one did not, so it is in neither count
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(sum(registry, "same") + sum(registry, "other")).isEqualTo(2);
				this.downstream.release();
				ProxiedCall held = ProxiedCall.parse(RawHttp.read(holding).body());
				assertThat(held.body()).isEqualTo("released");
				assertThat(held.onInboundLoop()).isTrue();
			}
			finally {
				for (Socket socket : sockets) {
					socket.close();
				}
			}
		}
	}

	@Test
	void gracefulShutdownWaitsForADownstreamCallInFlight() throws Exception {
		ConfigurableApplicationContext context = run("server.shutdown=graceful");
		try (Socket socket = RawHttp.connect(port(context))) {
			RawHttp.send(socket, "/proxy?path=/hold", true);
			await().atMost(Duration.ofSeconds(10)).until(() -> this.downstream.held() == 1);
			List<ReuseportListener> listeners = webServer(context).getListeners();
			CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
			await().atMost(Duration.ofSeconds(10)).until(() -> listeners.stream().noneMatch(ReuseportListener::isOpen));
			assertThat(closed).isNotDone();
			this.downstream.release();
			Response response = RawHttp.read(socket);
			assertThat(response.status()).isEqualTo(200);
			ProxiedCall call = ProxiedCall.parse(response.body());
			assertThat(call.body()).isEqualTo("released");
			assertThat(call.onInboundLoop()).isTrue();
			closed.get(30, TimeUnit.SECONDS);
		}
		finally {
			context.close();
		}
	}

	private ConfigurableApplicationContext run(String... properties) {
		return run(null, properties);
	}

	private ConfigurableApplicationContext run(Class<?> configuration, String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("downstream.url=" + this.downstream.url());
		Class<?>[] configurations = (configuration != null) ? new Class<?>[] { ProxyConfiguration.class, configuration }
				: new Class<?>[] { ProxyConfiguration.class };
		return TestApplication.run(configurations, all.toArray(String[]::new));
	}

	private List<ProxiedCall> overNewConnections(int port, int count) throws Exception {
		// A few clients at once, as real traffic, each call on a new connection
		int clients = 4;
		ExecutorService executor = Executors.newFixedThreadPool(clients);
		try {
			List<Future<List<ProxiedCall>>> running = IntStream.range(0, clients)
				.mapToObj((client) -> executor.submit(() -> IntStream.range(0, count / clients)
					.mapToObj((call) -> proxied(RawHttp.get(port, "/proxy")))
					.toList()))
				.toList();
			List<ProxiedCall> calls = new ArrayList<>();
			for (Future<List<ProxiedCall>> client : running) {
				calls.addAll(client.get(2, TimeUnit.MINUTES));
			}
			return calls;
		}
		finally {
			executor.shutdownNow();
		}
	}

	private List<ProxiedCall> overKeepAlive(int port, int count) throws IOException {
		int connections = 8;
		List<Socket> sockets = new ArrayList<>();
		try {
			for (int i = 0; i < connections; i++) {
				sockets.add(RawHttp.connect(port));
			}
			List<ProxiedCall> calls = new ArrayList<>();
			for (int call = 0; call < count; call++) {
				Socket socket = sockets.get(call % connections);
				RawHttp.send(socket, "/proxy", false);
				calls.add(proxied(RawHttp.read(socket)));
			}
			return calls;
		}
		finally {
			for (Socket socket : sockets) {
				socket.close();
			}
		}
	}

	private static ProxiedCall proxied(Response response) {
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		ProxiedCall call = ProxiedCall.parse(response.body());
		assertThat(call.body()).isEqualTo("ok");
		return call;
	}

	/**
	 * Check the meters against the calls: every call was made on a listener loop and
	 * counted once, and the calls counted on the same loop match the threads the handler
	 * saw.
	 */
	private static void assertMeters(ConfigurableApplicationContext context, List<ProxiedCall> calls) {
		MeterRegistry registry = context.getBean(MeterRegistry.class);
		double same = sum(registry, "same");
		double other = sum(registry, "other");
		assertThat(same + other).isEqualTo(calls.size());
		assertThat(same).isEqualTo(calls.stream().filter(ProxiedCall::onInboundLoop).count());
	}

	private static double sum(MeterRegistry registry, String loop) {
		return registry.get(ReuseportMeters.CLIENT_CALLS)
			.tag(ReuseportMeters.LOOP_TAG, loop)
			.functionCounters()
			.stream()
			.mapToDouble(FunctionCounter::count)
			.sum();
	}

	private static double share(List<ProxiedCall> calls) {
		return (double) calls.stream().filter(ProxiedCall::onInboundLoop).count() / calls.size();
	}

	private static void report(String what, List<ProxiedCall> calls) {
		long onLoop = calls.stream().filter(ProxiedCall::onInboundLoop).count();
		System.out.printf("Downstream responses on the inbound loop (%s): %d of %d = %.1f %%%n", what, onLoop,
				calls.size(), 100.0 * onLoop / calls.size());
	}

	private <T> T withApplication(ThrowingSupplier<ConfigurableApplicationContext> application,
			ThrowingFunction<Integer, T> action) throws Exception {
		try (ConfigurableApplicationContext context = application.get()) {
			int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			return action.apply(port);
		}
	}

	private List<ProxiedCall> overNewConnections(Integer port) throws Exception {
		return overNewConnections(port, CALLS);
	}

	private List<ProxiedCall> overKeepAlive(Integer port) throws IOException {
		return overKeepAlive(port, CALLS);
	}

	private static Socket opened(Socket socket, List<Socket> sockets) {
		sockets.add(socket);
		return socket;
	}

	/**
	 * Read what the server sends until it closes the connection; a reset counts as a
	 * close, a read timeout fails.
	 */
	private static String untilClosed(Socket socket) throws IOException {
		try {
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		}
		catch (SocketTimeoutException ex) {
			throw ex;
		}
		catch (SocketException ex) {
			return "";
		}
	}

	private static ServedBy servedBy(Socket socket) {
		try {
			RawHttp.send(socket, "/whoami", false);
			return ServedBy.parse(RawHttp.read(socket).body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	interface ThrowingSupplier<T> {

		T get() throws Exception;

	}

	interface ThrowingFunction<A, T> {

		T apply(A argument) throws Exception;

	}

	/**
	 * Application loops and a pool of their own, whose pools and those built from its
	 * settings are recorded in {@link RecordedPools}.
	 */
	@Configuration(proxyBeanMethods = false)
	static class RecordedPoolsConfiguration {

		static final String LOOPS = "recorded-http";

		@Bean
		RecordedPools recordedPools() {
			return new RecordedPools();
		}

		@Bean
		ReactorResourceFactory reactorResourceFactory(RecordedPools pools) {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			factory.setLoopResourcesSupplier(() -> LoopResources.create(LOOPS, 1, true));
			factory.setConnectionProviderSupplier(
					() -> ConnectionProvider.builder("recorded").metrics(true, () -> pools).build());
			return factory;
		}

	}

	/**
	 * An application pool of one connection, with a short acquire timeout.
	 */
	@Configuration(proxyBeanMethods = false)
	static class SingleConnectionPoolConfiguration {

		static final Duration ACQUIRE_TIMEOUT = Duration.ofMillis(500);

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			factory.setConnectionProviderSupplier(() -> ConnectionProvider.builder("single")
				.maxConnections(1)
				.pendingAcquireTimeout(ACQUIRE_TIMEOUT)
				.build());
			return factory;
		}

	}

}
