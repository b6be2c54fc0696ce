package dev.reuseport.actuate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.jayway.jsonpath.JsonPath;
import dev.reuseport.server.ListenerTransport;
import dev.reuseport.test.KeepAliveConnections;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.OpenFilesLimit;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.SocketStats;
import dev.reuseport.test.Sysctl;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.TestServers;
import dev.reuseport.test.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.reuseport.test.TestApplication.managementPort;
import static dev.reuseport.test.TestApplication.port;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ReuseportEndpoint}, read over HTTP from a running
 * application and checked field by field against the kernel's own view.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportEndpointIntegrationTests {

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void reportsTheKernelAndEveryListener(ListenerTransport transport) throws IOException {
		try (ConfigurableApplicationContext context = TestApplication.run(Transports.use(transport),
				"reuseport.listeners=3", "management.server.port=0",
				"management.endpoints.web.exposure.include=reuseport")) {
			int port = port(context);
			int managementPort = managementPort(context);
			int connections = 30;
			for (int i = 0; i < connections; i++) {
				RawHttp.get(port, "/whoami");
			}
			String json = await().atMost(Duration.ofSeconds(10))
				.until(() -> RawHttp.get(managementPort, "/actuator/reuseport").body(),
						(body) -> JsonPath.<List<Integer>>read(body, "$.listeners[*].activeConnections")
							.stream()
							.allMatch((active) -> active == 0)
								&& JsonPath.<List<Integer>>read(body, "$.listeners[*].requests")
									.stream()
									.mapToInt(Integer::intValue)
									.sum() == connections);
			assertThat(JsonPath.<String>read(json, "$.transport")).isEqualTo(transport.id());
			assertThat(JsonPath.<Integer>read(json, "$.port")).isEqualTo(port);
			// The actuator leaves null fields out
			assertThat(JsonPath.<Map<String, Object>>read(json, "$.steering"))
				.containsExactlyInAnyOrderEntriesOf(Map.of("requested", "HASH", "inForce", "HASH"));
			assertThat(JsonPath.<List<Object>>read(json, "$.listeners[*].cpu")).isEmpty();
			assertThat(JsonPath.<String>read(json, "$.kernel.release")).isEqualTo(Sysctl.value("kernel.osrelease"));
			assertThat(JsonPath.<Integer>read(json, "$.kernel.somaxconn"))
				.isEqualTo(Integer.parseInt(Sysctl.value("net.core.somaxconn")));
			assertThat(JsonPath.<Integer>read(json, "$.kernel.tcpMigrateReq"))
				.isEqualTo(Integer.parseInt(Sysctl.value("net.ipv4.tcp_migrate_req")));
			assertThat(JsonPath.<Number>read(json, "$.openFiles.limit").longValue()).isEqualTo(OpenFilesLimit.soft());
			assertThat(JsonPath.<Number>read(json, "$.openFiles.open").longValue()).isBetween(1L,
					OpenFilesLimit.soft());
			List<Map<String, Object>> listeners = JsonPath.read(json, "$.listeners");
			assertThat(listeners).hasSize(3);
			List<String> listeningInodes = ListeningSockets.inodes(port);
			Map<Integer, int[]> ssQueues = SocketStats.listenQueues(port);
			long acceptedTotal = 0;
			for (int i = 0; i < 3; i++) {
				Map<String, Object> listener = listeners.get(i);
				assertThat(listener).containsEntry("index", i)
					.containsEntry("open", true)
					.containsEntry("thread", "reuseport-listener-" + i)
					.containsEntry("activeConnections", 0)
					.containsEntry("acceptErrors", Map.of("emfile", 0, "enfile", 0, "other", 0));
				assertThat((String) listener.get("address")).isEqualTo("/127.0.0.1:" + port);
				int fd = (Integer) listener.get("fd");
				assertThat(socketInode(fd)).as("fd %d is a listening socket on the port", fd).isIn(listeningInodes);
				long accepted = ((Number) listener.get("acceptedConnections")).longValue();
				assertThat(((Number) listener.get("requests")).longValue()).isEqualTo(accepted);
				acceptedTotal += accepted;
				assertThat(JsonPath.<Integer>read(json, "$.listeners[" + i + "].acceptQueue.length")).isZero();
				assertThat(JsonPath.<Integer>read(json, "$.listeners[" + i + "].acceptQueue.limit"))
					.isEqualTo(ssQueues.get(fd)[1]);
			}
			assertThat(acceptedTotal).isEqualTo(connections);
		}
	}

	@Test
	void reportsTheBalanceOfOpenConnectionsAndTheHandoffsOfEachListener() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3",
				"management.server.port=0", "management.endpoints.web.exposure.include=reuseport");
				KeepAliveConnections open = KeepAliveConnections.open(port(context), "/whoami", 60)) {
			List<ServedBy> served = open.servedBy();
			long[] perLoop = IntStream.range(0, 3)
				.mapToLong((i) -> served.stream()
					.filter((servedBy) -> servedBy.thread().equals("reuseport-listener-" + i))
					.count())
				.toArray();
			String json = await().atMost(Duration.ofSeconds(10))
				.until(() -> RawHttp.get(managementPort(context), "/actuator/reuseport").body(),
						(body) -> JsonPath.<List<Integer>>read(body, "$.listeners[*].servedConnections")
							.stream()
							.mapToInt(Integer::intValue)
							.sum() == served.size());
			assertThat(JsonPath.<Boolean>read(json, "$.balance.enabled")).isTrue();
			assertThat(JsonPath.<Double>read(json, "$.balance.marginRatio")).isEqualTo(0.15);
			assertThat(JsonPath.<Integer>read(json, "$.balance.marginConnections")).isEqualTo(2);
			long max = Arrays.stream(perLoop).max().orElseThrow();
			long min = Arrays.stream(perLoop).min().orElseThrow();
			assertThat(JsonPath.<Number>read(json, "$.balance.activeImbalance").doubleValue())
				.isCloseTo(Math.max(0, max - min - 1) / (served.size() / 3.0), within(1e-9));
			for (int i = 0; i < 3; i++) {
				int index = i;
				assertThat(JsonPath.<Integer>read(json, "$.listeners[" + i + "].servedConnections").longValue())
					.isEqualTo(perLoop[i]);
				assertThat(JsonPath.<Integer>read(json, "$.listeners[" + i + "].handoffs").longValue())
					.isEqualTo(served.stream()
						.filter((servedBy) -> servedBy.listener() == index && !servedBy.onOwnLoop())
						.count());
			}
		}
	}

	@Test
	void reportsWhereEachListenersSocketCameFromAndTheHandovers(@TempDir Path directory) throws IOException {
		String socket = "reuseport.handover.socket=" + directory.resolve("handover.sock");
		String[] properties = { "server.port=" + TestServers.freePort(), "reuseport.listeners=2", socket,
				"reuseport.handover.exit=false", "management.server.port=0",
				"management.endpoints.web.exposure.include=reuseport" };
		try (ConfigurableApplicationContext old = TestApplication.run(properties)) {
			String before = RawHttp.get(managementPort(old), "/actuator/reuseport").body();
			assertThat(JsonPath.<Map<String, Object>>read(before, "$.handover")).containsEntry("offering", true)
				.containsEntry("given", 0)
				.containsEntry("received", 0);
			assertThat(JsonPath.<List<String>>read(before, "$.listeners[*].socket")).containsOnly("bound");
			try (ConfigurableApplicationContext replacement = TestApplication.run(properties)) {
				String after = await().atMost(Duration.ofSeconds(10))
					.until(() -> RawHttp.get(managementPort(replacement), "/actuator/reuseport").body(),
							(body) -> JsonPath.<Boolean>read(body, "$.handover.offering"));
				assertThat(JsonPath.<Integer>read(after, "$.handover.received")).isEqualTo(1);
				assertThat(JsonPath.<List<String>>read(after, "$.listeners[*].socket")).containsOnly("adopted");
				assertThat(JsonPath.<List<Number>>read(after, "$.listeners[*].adoptedFrom"))
					.allSatisfy((pid) -> assertThat(pid.longValue()).isEqualTo(ProcessHandle.current().pid()));
				assertThat(JsonPath.<List<Boolean>>read(after, "$.listeners[*].shared")).containsOnly(false);
				String given = RawHttp.get(managementPort(old), "/actuator/reuseport").body();
				assertThat(JsonPath.<Map<String, Object>>read(given, "$.handover")).containsEntry("offering", false)
					.containsEntry("given", 1);
				assertThat(JsonPath.<List<Boolean>>read(given, "$.listeners[*].open")).containsOnly(false);
			}
		}
	}

	@Test
	void reportsOneListenerBySelectorAndNotFoundForAnUnknownOne() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=3",
				"management.server.port=0", "management.endpoints.web.exposure.include=reuseport")) {
			int managementPort = managementPort(context);
			String listener = RawHttp.get(managementPort, "/actuator/reuseport/2").body();
			assertThat(JsonPath.<Integer>read(listener, "$.index")).isEqualTo(2);
			assertThat(JsonPath.<String>read(listener, "$.thread")).isEqualTo("reuseport-listener-2");
			assertThat(RawHttp.get(managementPort, "/actuator/reuseport/3").status()).isEqualTo(404);
		}
	}

	@Test
	void isNotExposedOverTheWebByDefault() {
		try (ConfigurableApplicationContext context = TestApplication.run("management.server.port=0")) {
			assertThat(RawHttp.get(managementPort(context), "/actuator/reuseport").status()).isEqualTo(404);
		}
	}

	private static String socketInode(int fd) throws IOException {
		String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
		assertThat(link).startsWith("socket:[");
		return link.substring("socket:[".length(), link.length() - 1);
	}

}
