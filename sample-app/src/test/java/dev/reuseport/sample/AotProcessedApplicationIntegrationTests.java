package dev.reuseport.sample;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import dev.reuseport.actuate.ReuseportEndpoint.KernelDescriptor;
import dev.reuseport.actuate.ReuseportEndpoint.ListenerDescriptor;
import dev.reuseport.actuate.ReuseportEndpoint.ReuseportDescriptor;
import dev.reuseport.sample.SampleAppSupport.SampleProcess;
import dev.reuseport.sample.SampleAppSupport.WhoAmI;
import dev.reuseport.server.AcceptQueue;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the sample application as built by Spring Boot's
 * {@code process-aot} goal (bound in {@code sample-app/pom.xml}) and run with
 * {@code -Dspring.aot.enabled=true}: the bean definitions then come from code generated
 * at build time instead of from the auto-configurations, which is also how a GraalVM
 * native image starts.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class AotProcessedApplicationIntegrationTests {

	private static final int LISTENERS = 3;

	private static final int MAX_CONNECTIONS = 500;

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

	private static final String METADATA = "META-INF/native-image/dev.reuseport/sample-app/reachability-metadata.json";

	private static final Pattern SAMPLE = Pattern.compile("^(reuseport_[a-z_]+)\\{([^}]*)\\} (\\S+)$");

	private static final String JSON = "Accept: application/json";

	@Test
	void servesOnEveryListenerWithItsMetersEndpointAndHealth() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess sample = SampleProcess.start("aot-processed", List.of("-Dspring.aot.enabled=true"),
				"--server.port=" + port, "--server.address=" + SampleAppSupport.HOST,
				"--reuseport.listeners=" + LISTENERS)) {
			sample.awaitStarted(STARTUP_TIMEOUT);
			// Without AOT-generated code, spring.aot.enabled=true fails startup; this
			// line
			// says that the generated code is what started
			assertThat(sample.output()).contains("Starting AOT-processed SampleApplication");
			assertThat(ListeningSockets.count(port)).isEqualTo(LISTENERS);
			int connections = connectUntilEveryListenerAnswers(port, sample.pid());
			// Each request below comes on a connection of its own, which the listener
			// counts as accepted before the request is answered
			assertMeters(RawHttp.get(port, "/actuator/prometheus"), port, connections + 1);
			assertEndpoint(RawHttp.get(port, "/actuator/reuseport", JSON), port, connections + 2);
			Response listener = RawHttp.get(port, "/actuator/reuseport/1", JSON);
			assertThat(listener.status()).as("status of %s", listener).isEqualTo(200);
			assertThat(JsonPath.<Integer>read(listener.body(), "$.index")).isEqualTo(1);
			assertThat(RawHttp.get(port, "/actuator/reuseport/" + LISTENERS).status()).isEqualTo(404);
			Response health = RawHttp.get(port, "/actuator/health", JSON);
			DocumentContext reuseport = JsonPath.parse(health.body());
			assertThat(reuseport.<String>read("$.components.reuseport.status")).isEqualTo("UP");
			assertThat(reuseport.<Integer>read("$.components.reuseport.details.openListeners")).isEqualTo(LISTENERS);
		}
	}

	@Test
	void aotProcessingRegistersTheReflectionANativeImageNeeds() throws IOException {
		Map<String, Map<String, Object>> reflection = reflectionMetadata();
		// Inferred by Spring Boot from the endpoint's @ReadOperation methods: Jackson
		// needs each response type's constructors and accessors
		for (Class<?> type : List.of(ReuseportDescriptor.class, KernelDescriptor.class, ListenerDescriptor.class,
				AcceptQueue.class)) {
			assertThat(reflection).as("reflection metadata of the endpoint's response types")
				.containsKey(type.getName());
			assertThat(methodNames(reflection.get(type.getName()))).as("methods of %s", type.getName())
				.containsAll(accessors(type));
		}
		// Registered by the starter's RuntimeHintsRegistrar in
		// META-INF/spring/aot.factories
		assertThat(reflection).containsKey("dev.reuseport.server.KeepAliveDrainHandler");
		// Registered by the sample's @RegisterReflectionForBinding: the controller's
		// ResponseEntity<?> does not name the type of its JSON answer
		String whoAmI = "dev.reuseport.sample.WhoAmIController$WhoAmI";
		assertThat(reflection).containsKey(whoAmI);
		assertThat(methodNames(reflection.get(whoAmI))).containsAll(List.of("gid", "pid", "listener", "loop"));
	}

	/**
	 * Open new connections until each listener has answered at least once, and check
	 * every answer.
	 * @return the number of connections opened
	 */
	private static int connectUntilEveryListenerAnswers(int port, long pid) {
		Set<Integer> listenersSeen = new TreeSet<>();
		int connections = 0;
		while (listenersSeen.size() < LISTENERS && connections < MAX_CONNECTIONS) {
			WhoAmI whoAmI = SampleAppSupport.whoAmI(port);
			connections++;
			assertThat(whoAmI.pid()).isEqualTo(pid);
			assertThat(whoAmI.listener()).isBetween(0, LISTENERS - 1);
			assertThat(whoAmI.loop()).isEqualTo(SampleAppSupport.LOOP_PREFIX + whoAmI.listener());
			listenersSeen.add(whoAmI.listener());
		}
		assertThat(listenersSeen).as("listeners that answered %d connections", connections).hasSize(LISTENERS);
		return connections;
	}

	private static void assertMeters(Response scrape, int port, int acceptedConnections) {
		assertThat(scrape.status()).as("status of %s", scrape).isEqualTo(200);
		Map<String, Map<String, Double>> byListener = new HashMap<>();
		for (String line : scrape.body().lines().toList()) {
			Matcher matcher = SAMPLE.matcher(line);
			if (matcher.matches() && matcher.group(2).contains("port=\"" + port + "\"")) {
				Matcher listener = Pattern.compile("listener=\"(\\d+)\"").matcher(matcher.group(2));
				if (listener.find()) {
					byListener.computeIfAbsent(matcher.group(1), (name) -> new HashMap<>())
						.put(listener.group(1), Double.valueOf(matcher.group(3)));
				}
			}
		}
		assertThat(byListener).as("per-listener meters in the scrape")
			.containsKeys("reuseport_listener_connections_accepted_total", "reuseport_listener_connections_active",
					"reuseport_listener_requests_total", "reuseport_listener_accept_queue",
					"reuseport_listener_accept_queue_limit");
		byListener.forEach((name, values) -> assertThat(values.keySet()).as("listener labels of %s", name)
			.containsExactlyInAnyOrder("0", "1", "2"));
		Map<String, Double> accepted = byListener.get("reuseport_listener_connections_accepted_total");
		assertThat(accepted.values().stream().mapToDouble(Double::doubleValue).sum())
			.as("connections accepted in %s", accepted)
			.isEqualTo(acceptedConnections);
		assertThat(scrape.body()).contains("reuseport_listeners_imbalance{port=\"" + port + "\"}");
	}

	private static void assertEndpoint(Response response, int port, int acceptedConnections) {
		assertThat(response.status()).as("status of %s", response).isEqualTo(200);
		DocumentContext json = JsonPath.parse(response.body());
		assertThat(json.<String>read("$.transport")).isEqualTo("epoll");
		assertThat(json.<Integer>read("$.port")).isEqualTo(port);
		assertThat(json.<List<Integer>>read("$.listeners[*].index")).containsExactly(0, 1, 2);
		assertThat(json.<List<Boolean>>read("$.listeners[*].open")).containsOnly(true);
		assertThat(json.<List<String>>read("$.listeners[*].thread")).containsExactly(SampleAppSupport.LOOP_PREFIX + 0,
				SampleAppSupport.LOOP_PREFIX + 1, SampleAppSupport.LOOP_PREFIX + 2);
		List<Integer> accepted = json.read("$.listeners[*].acceptedConnections");
		assertThat(accepted.stream().mapToInt(Integer::intValue).sum()).as("connections accepted in %s", accepted)
			.isEqualTo(acceptedConnections);
		assertThat(json.<List<Integer>>read("$.listeners[*].acceptQueue.limit")).hasSize(LISTENERS)
			.allSatisfy((limit) -> assertThat(limit).isPositive());
	}

	/**
	 * Read the reflection entries of the metadata that AOT processing wrote into the
	 * sample's jar, by type name.
	 */
	private static Map<String, Map<String, Object>> reflectionMetadata() throws IOException {
		Path jar = Path.of(System.getProperty("sample.jar"));
		try (JarFile jarFile = new JarFile(jar.toFile())) {
			ZipEntry entry = jarFile.getEntry(METADATA);
			assertThat(entry).as("%s in %s", METADATA, jar).isNotNull();
			try (InputStream input = jarFile.getInputStream(entry)) {
				String json = new String(input.readAllBytes(), StandardCharsets.UTF_8);
				List<Map<String, Object>> entries = JsonPath.read(json, "$.reflection");
				Map<String, Map<String, Object>> byType = new HashMap<>();
				for (Map<String, Object> reflectionEntry : entries) {
					if (reflectionEntry.get("type") instanceof String type) {
						byType.put(type, reflectionEntry);
					}
				}
				return byType;
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static List<String> methodNames(Map<String, Object> entry) {
		List<String> names = new ArrayList<>();
		for (Object method : (List<Object>) entry.getOrDefault("methods", List.of())) {
			names.add((String) ((Map<String, Object>) method).get("name"));
		}
		return names;
	}

	private static List<String> accessors(Class<?> recordType) {
		assertThat(recordType.isRecord()).as("%s is a record", recordType).isTrue();
		return Arrays.stream(recordType.getRecordComponents()).map(RecordComponent::getName).toList();
	}

}
