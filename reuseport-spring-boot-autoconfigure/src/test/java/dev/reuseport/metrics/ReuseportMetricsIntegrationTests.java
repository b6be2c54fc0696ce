package dev.reuseport.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.reuseport.server.ListenerTransport;
import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.test.LoopStall;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.SocketStats;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.TestHttpClients;
import dev.reuseport.test.Transports;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.reuseport.test.TestApplication.managementPort;
import static dev.reuseport.test.TestApplication.port;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for the reuseport meters of a whole application: exact per-listener
 * counts from real connections, read back from a real registry and from a real Prometheus
 * scrape.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportMetricsIntegrationTests {

	private static final Pattern SAMPLE = Pattern
		.compile("^(reuseport_listener_connections_\\w+)\\{listener=\"(\\d+)\",port=\"(\\d+)\"} (\\S+)$");

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void countsEveryConnectionFromConcurrentClientsExactly(ListenerTransport transport) throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport),
				"reuseport.listeners=3", "management.server.port=0",
				"management.endpoints.web.exposure.include=prometheus")) {
			int port = port(context);
			int clients = 8;
			int connectionsPerClient = 40;
			ExecutorService executor = Executors.newFixedThreadPool(clients);
			try {
				List<Future<?>> running = IntStream.range(0, clients)
					.mapToObj((client) -> executor.submit(() -> openConnections(port, connectionsPerClient)))
					.collect(Collectors.toList());
				for (Future<?> client : running) {
					client.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				executor.shutdownNow();
			}
			int connections = clients * connectionsPerClient;
			int managementPort = managementPort(context);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				Map<String, Map<Integer, Double>> scraped = scrape(managementPort, port);
				assertThat(scraped.get("reuseport_listener_connections_accepted_total")).containsOnlyKeys(0, 1, 2)
					.allSatisfy((listener, accepted) -> assertThat(accepted).isPositive());
				assertThat(sum(scraped.get("reuseport_listener_connections_accepted_total"))).isEqualTo(connections);
				assertThat(scraped.get("reuseport_listener_connections_active")).containsOnlyKeys(0, 1, 2)
					.allSatisfy((listener, active) -> assertThat(active).isZero());
			});
		}
	}

	/**
	 * Half of the connections carry two keep-alive requests, so that requests and
	 * connections differ.
	 */
	private static void openConnections(int port, int count) {
		for (int i = 0; i < count; i++) {
			try (Socket socket = RawHttp.connect(port)) {
				if (i % 2 == 0) {
					RawHttp.send(socket, "/whoami", false);
					RawHttp.read(socket);
				}
				RawHttp.send(socket, "/whoami", true);
				RawHttp.read(socket);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
	}

	@Test
	void countsHttp2ConnectionsNotStreams() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2",
				"server.http2.enabled=true")) {
			int port = port(context);
			int connections = 6;
			for (int i = 0; i < connections; i++) {
				ConnectionProvider oneConnection = ConnectionProvider.builder("h2c-" + i)
					.maxConnections(1)
					.pendingAcquireMaxCount(-1)
					.build();
				HttpClient client = TestHttpClients.http2(oneConnection, false);
				try {
					List<String> answers = Flux.range(0, 5)
						.concatMap((stream) -> client.get()
							.uri("http://127.0.0.1:" + port + "/whoami")
							.responseContent()
							.aggregate()
							.asString())
						.collectList()
						.block(Duration.ofSeconds(10));
					assertThat(answers).hasSize(5);
				}
				finally {
					oneConnection.disposeLater().block(Duration.ofSeconds(10));
				}
			}
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(registry.find(ReuseportMeters.CONNECTIONS_ACCEPTED)
					.functionCounters()
					.stream()
					.mapToDouble(FunctionCounter::count)
					.sum()).isEqualTo(connections);
				assertThat(registry.find(ReuseportMeters.CONNECTIONS_ACTIVE).gauges()).hasSize(2)
					.allSatisfy((gauge) -> assertThat(gauge.value()).isZero());
			});
		}
	}

	@Test
	void registersNothingWhenMetricsAreDisabled() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.metrics.enabled=false")) {
			RawHttp.get(port(context), "/whoami");
			assertThat(context.getBeansOfType(ReuseportServerMetricsBinder.class)).isEmpty();
			assertThat(context.getBean(MeterRegistry.class).find(ReuseportMeters.CONNECTIONS_ACCEPTED).meters())
				.isEmpty();
			assertThat(context.getBean(MeterRegistry.class).find(ReuseportMeters.LISTEN_OVERFLOWS).meters()).isEmpty();
		}
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void acceptQueueGaugeRisesOnlyOnAStalledListenerAndAgreesWithSs(ListenerTransport transport) throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport),
				"reuseport.listeners=3")) {
			int port = port(context);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			ReuseportWebServer server = webServer(context);
			List<Socket> waiting = new ArrayList<>();
			// Long enough for the checks below to run within the stall on a busy machine
			try (LoopStall stall = LoopStall.start(port, 6000)) {
				int stalled = stall.listener();
				// Connections complete their handshake in the kernel; those hashed to
				// the stalled listener wait in its queue
				for (int i = 0; i < 30 && acceptQueue(registry, stalled) < 3; i++) {
					waiting.add(RawHttp.connect(port));
				}
				assertThat(acceptQueue(registry, stalled)).isGreaterThanOrEqualTo(3);
				for (int other = 0; other < 3; other++) {
					if (other != stalled) {
						int idle = other;
						await().atMost(Duration.ofSeconds(5)).until(() -> acceptQueue(registry, idle) == 0);
					}
				}
				int fd = server.getListeners().get(stalled).fileDescriptor();
				int[] ssQueue = SocketStats.listenQueues(port).get(fd);
				double gauge = acceptQueue(registry, stalled);
				assertThat(stall.isOn()).as("stall still on after ss").isTrue();
				assertThat(ssQueue[0]).as("ss Recv-Q").isEqualTo((int) gauge);
				assertThat(ssQueue[1]).as("ss Send-Q")
					.isEqualTo((int) registry.get(ReuseportMeters.ACCEPT_QUEUE_LIMIT)
						.tag("listener", String.valueOf(stalled))
						.gauge()
						.value());
			}
			finally {
				for (Socket socket : waiting) {
					socket.close();
				}
			}
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(registry.find(ReuseportMeters.ACCEPT_QUEUE).gauges()).hasSize(3)
					.allSatisfy((gauge) -> assertThat(gauge.value()).isZero()));
		}
	}

	@Test
	void listenOverflowsIncreaseWhenAStalledListenerIsFloodedAndServiceResumes() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication
			.run(new Class<?>[] { TinyBacklogConfiguration.class }, "reuseport.listeners=1")) {
			int port = port(context);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			double overflowsBefore = registry.get(ReuseportMeters.LISTEN_OVERFLOWS).functionCounter().count();
			assertThat(registry.get(ReuseportMeters.ACCEPT_QUEUE_LIMIT).gauge().value()).isEqualTo(1);
			List<SocketChannel> flood = new ArrayList<>();
			try (LoopStall stall = LoopStall.start(port, 3000)) {
				for (int i = 0; i < 20; i++) {
					SocketChannel channel = SocketChannel.open();
					channel.configureBlocking(false);
					channel.connect(new InetSocketAddress("127.0.0.1", port));
					flood.add(channel);
				}
				await().atMost(Duration.ofSeconds(5))
					.until(() -> registry.get(ReuseportMeters.LISTEN_OVERFLOWS).functionCounter().count(),
							(overflows) -> overflows > overflowsBefore);
			}
			finally {
				for (SocketChannel channel : flood) {
					channel.close();
				}
			}
			assertThat(RawHttp.get(port, "/whoami").status()).isEqualTo(200);
		}
	}

	@Test
	void imbalanceReadsNearZeroUnderUniformLoad() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3")) {
			int port = port(context);
			for (int i = 0; i < 900; i++) {
				RawHttp.get(port, "/whoami");
			}
			// 900 connections hashed uniformly over 3 listeners spread by about 0.1;
			// 0.35 is more than five standard deviations away
			assertThat(context.getBean(MeterRegistry.class).get(ReuseportMeters.IMBALANCE).gauge().value())
				.isLessThan(0.35);
		}
	}

	@Test
	void imbalanceReadsHighWhenEveryConnectionComesFromOneSourcePort() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3")) {
			int port = port(context);
			int sourcePort;
			try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				sourcePort = probe.getLocalPort();
			}
			Set<Integer> listeners = ConcurrentHashMap.newKeySet();
			for (int i = 0; i < 60; i++) {
				// Same 4-tuple each time, so the kernel's hash picks the same listener;
				// the reset on close leaves no TIME_WAIT to block the next bind
				try (Socket socket = new Socket()) {
					socket.setReuseAddress(true);
					socket.bind(new InetSocketAddress("127.0.0.1", sourcePort));
					socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
					socket.setSoTimeout(10_000);
					RawHttp.send(socket, "/whoami", false);
					listeners.add(ServedBy.parse(RawHttp.read(socket).body()).listener());
					socket.setSoLinger(true, 0);
				}
			}
			assertThat(listeners).hasSize(1);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			// All 60 on one of 3 listeners: (60 - 0) / 20
			assertThat(registry.get(ReuseportMeters.IMBALANCE).gauge().value()).isEqualTo(3.0);
			// The loop may count the request just after the client has its response
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(registry.get(ReuseportMeters.REQUESTS)
					.tag("listener", String.valueOf(listeners.iterator().next()))
					.functionCounter()
					.count()).isEqualTo(60));
		}
	}

	private static double acceptQueue(MeterRegistry registry, int listener) {
		return registry.get(ReuseportMeters.ACCEPT_QUEUE).tag("listener", String.valueOf(listener)).gauge().value();
	}

	@Configuration(proxyBeanMethods = false)
	static class TinyBacklogConfiguration {

		@Bean
		NettyServerCustomizer tinyBacklog() {
			return (server) -> server.option(ChannelOption.SO_BACKLOG, 1);
		}

	}

	/**
	 * Scrape Prometheus text and return, per reuseport series name, the value of each
	 * listener on {@code port}.
	 */
	private static Map<String, Map<Integer, Double>> scrape(int managementPort, int port) {
		String body = RawHttp.get(managementPort, "/actuator/prometheus").body();
		return body.lines()
			.map(SAMPLE::matcher)
			.filter(Matcher::matches)
			.filter((sample) -> sample.group(3).equals(String.valueOf(port)))
			.collect(Collectors.groupingBy((sample) -> sample.group(1), Collectors.toMap(
					(sample) -> Integer.parseInt(sample.group(2)), (sample) -> Double.parseDouble(sample.group(4)))));
	}

	private static double sum(Map<Integer, Double> values) {
		return values.values().stream().mapToDouble(Double::doubleValue).sum();
	}

}
