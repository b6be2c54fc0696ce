package dev.reuseport.sample;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import com.jayway.jsonpath.JsonPath;
import dev.reuseport.sample.SampleAppSupport.SampleProcess;
import dev.reuseport.sample.SampleAppSupport.WhoAmI;
import dev.reuseport.test.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of the sample application's meters with a real Prometheus server, and
 * of the monitoring assets in {@code sample-app/monitoring}: the alerting rules, their
 * unit tests, the Prometheus configuration and the Grafana dashboard's queries.
 * <p>
 * They run the {@code prometheus} and {@code promtool} binaries of the Debian package
 * {@code prometheus}. Where those are not on the {@code PATH} the tests are skipped,
 * except in CI ({@code CI=true}), where they fail.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrometheusEndToEndIntegrationTests {

	private static final Path MONITORING = Path.of("monitoring").toAbsolutePath();

	private static final int LISTENERS = 3;

	private static final int CONNECTIONS = 30;

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

	private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(30);

	private static final Duration PROMTOOL_TIMEOUT = Duration.ofSeconds(30);

	private static final String INSTALL_PROMETHEUS = "install the Debian package prometheus "
			+ "(apt-get install prometheus), which provides prometheus and promtool";

	@TempDir
	Path temp;

	@Test
	void prometheusScrapesTheAcceptedConnectionsOfEveryListener() throws IOException {
		Path prometheus = Prerequisites.requireTool("prometheus", INSTALL_PROMETHEUS);
		int[] ports = SampleAppSupport.freePorts(3);
		int port = ports[0];
		int managementPort = ports[1];
		int prometheusPort = ports[2];
		Path config = writePrometheusConfig(managementPort, "http");
		try (SampleProcess sample = SampleProcess.start("prometheus-end-to-end", List.of(), "--server.port=" + port,
				"--server.address=" + SampleAppSupport.HOST, "--management.server.port=" + managementPort,
				"--management.server.address=" + SampleAppSupport.HOST, "--reuseport.listeners=" + LISTENERS);
				PrometheusServer server = PrometheusServer.start(prometheus, config, this.temp.resolve("data"),
						prometheusPort)) {
			sample.awaitStarted(STARTUP_TIMEOUT);
			server.awaitReady(STARTUP_TIMEOUT);
			for (int i = 0; i < CONNECTIONS; i++) {
				WhoAmI whoAmI = SampleAppSupport.whoAmI(port);
				assertThat(whoAmI.listener()).isBetween(0, LISTENERS - 1);
			}
			String accepted = "reuseport_listener_connections_accepted_total{port=\"" + port + "\"}";
			String sum = server.awaitValue("sum(" + accepted + ")", CONNECTIONS, SCRAPE_TIMEOUT);
			String count = server.awaitValue("count(" + accepted + ")", LISTENERS, SCRAPE_TIMEOUT);
			String perListener = server.query(accepted);
			List<String> listeners = JsonPath.read(perListener, "$.data.result[*].metric.listener");
			assertThat(listeners).as("listener labels in %s", perListener).containsExactlyInAnyOrder("0", "1", "2");
			System.out.println("Prometheus: sum(" + accepted + ") = " + sum);
			System.out.println("Prometheus: count(" + accepted + ") = " + count);
			System.out.println("Prometheus: " + accepted + " = " + perListener);
			// A rate needs two scrapes of a series, which the first may not have yet; the
			// HTTP/3 panels have data only with HTTP/3 on (the test below)
			await().atMost(SCRAPE_TIMEOUT)
				.pollInterval(Duration.ofMillis(500))
				.untilAsserted(() -> assertDashboardQueriesReturnData(server, (query) -> !isHttp3(query)));
			server.awaitRulesEvaluated(SCRAPE_TIMEOUT);
		}
	}

	@Test
	void withTheHttp3ProfileTheDashboardsHttp3PanelsHaveData() throws IOException {
		Path prometheus = Prerequisites.requireTool("prometheus", INSTALL_PROMETHEUS);
		int[] ports = SampleAppSupport.freePorts(3);
		int managementPort = ports[1];
		// The http3 profile serves HTTPS with a certificate generated for the run, on the
		// management port too
		Path config = writePrometheusConfig(managementPort, "https");
		try (SampleProcess sample = SampleProcess.start("prometheus-http3", List.of(), "--spring.profiles.active=http3",
				"--server.port=" + ports[0], "--server.address=" + SampleAppSupport.HOST,
				"--management.server.port=" + managementPort, "--management.server.address=" + SampleAppSupport.HOST,
				"--reuseport.listeners=" + LISTENERS);
				PrometheusServer server = PrometheusServer.start(prometheus, config, this.temp.resolve("data"),
						ports[2])) {
			sample.awaitStarted(STARTUP_TIMEOUT);
			server.awaitReady(STARTUP_TIMEOUT);
			server.awaitValue("count(reuseport_http3_connections_accepted_total{port=\"" + ports[0] + "\"})", LISTENERS,
					SCRAPE_TIMEOUT);
			await().atMost(SCRAPE_TIMEOUT)
				.pollInterval(Duration.ofMillis(500))
				.untilAsserted(() -> assertDashboardQueriesReturnData(server, (query) -> true));
			server.awaitRulesEvaluated(SCRAPE_TIMEOUT);
		}
	}

	@Test
	void shippedAlertingRulesAreValidAndPassTheirUnitTests() {
		Path promtool = Prerequisites.requireTool("promtool", INSTALL_PROMETHEUS);
		assertThat(promtool(promtool, "check", "rules", "alerts.yml")).contains("SUCCESS: 9 rules found");
		assertThat(promtool(promtool, "test", "rules", "alerts-test.yml")).contains("SUCCESS");
	}

	@Test
	void shippedPrometheusConfigurationIsValid() {
		Path promtool = Prerequisites.requireTool("promtool", INSTALL_PROMETHEUS);
		assertThat(promtool(promtool, "check", "config", "prometheus.yml"))
			.contains("prometheus.yml is valid prometheus config file syntax");
	}

	/**
	 * Run the queries of the Grafana dashboard, with its variables set to match
	 * everything, and check that each returns at least one series: the dashboard only
	 * names series that the application exports.
	 */
	private void assertDashboardQueriesReturnData(PrometheusServer server, Predicate<String> which) throws IOException {
		String dashboard = Files.readString(monitoringFile("grafana-dashboard.json"));
		List<String> expressions = JsonPath.read(dashboard, "$.panels[*].targets[*].expr");
		assertThat(expressions).as("queries of the dashboard").hasSizeGreaterThanOrEqualTo(6);
		assertThat(expressions).as("HTTP/3 queries of the dashboard").filteredOn(this::isHttp3).hasSize(5);
		for (String expression : expressions.stream().filter(which).toList()) {
			String query = expression.replace("$__rate_interval", "1m")
				.replace("$job", ".*")
				.replace("$instance", ".*")
				.replace("$port", ".*");
			String json = server.query(query);
			List<Object> result = JsonPath.read(json, "$.data.result");
			assertThat(result).as("result of the dashboard query %s: %s", query, json).isNotEmpty();
		}
	}

	private boolean isHttp3(String query) {
		return query.contains("reuseport_http3_") || query.contains("reuseport_udp_");
	}

	/**
	 * Write a configuration that scrapes the sample's management server every second and
	 * evaluates the shipped alerting rules every second; over HTTPS, it trusts the
	 * sample's self-signed certificate.
	 */
	private Path writePrometheusConfig(int managementPort, String scheme) throws IOException {
		String config = """
				global:
				  scrape_interval: 1s
				  scrape_timeout: 1s
				  evaluation_interval: 1s
				rule_files:
				  - '%s'
				scrape_configs:
				  - job_name: reuseport-sample
				    metrics_path: /actuator/prometheus
				    scheme: %s
				    tls_config:
				      insecure_skip_verify: true
				    static_configs:
				      - targets: ['%s:%d']
				""".formatted(monitoringFile("alerts.yml"), scheme, SampleAppSupport.HOST, managementPort);
		return Files.writeString(this.temp.resolve("prometheus.yml"), config);
	}

	private static Path monitoringFile(String name) {
		Path file = MONITORING.resolve(name);
		assertThat(file).as("monitoring asset (tests run in the sample-app directory)").isRegularFile();
		return file;
	}

	/**
	 * Run {@code promtool} with {@code arguments} in the monitoring directory and return
	 * its output, failing with that output unless it exits with 0.
	 */
	private String promtool(Path promtool, String... arguments) {
		assertThat(MONITORING).as("monitoring assets (tests run in the sample-app directory)").isDirectory();
		List<String> command = new ArrayList<>(List.of(promtool.toString()));
		command.addAll(List.of(arguments));
		return Commands.run(command, MONITORING, Map.of(), PROMTOOL_TIMEOUT);
	}

	/**
	 * A Prometheus server run as a child process, with its output written to a file under
	 * {@code target/}. Closing it stops the process.
	 */
	private static final class PrometheusServer implements AutoCloseable {

		private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

		private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

		private final Process process;

		private final Path output;

		private final URI uri;

		private final HttpClient client = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

		private PrometheusServer(Process process, Path output, URI uri) {
			this.process = process;
			this.output = output;
			this.uri = uri;
		}

		static PrometheusServer start(Path prometheus, Path config, Path storage, int port) throws IOException {
			String address = SampleAppSupport.HOST + ":" + port;
			List<String> command = List.of(prometheus.toString(), "--config.file=" + config,
					"--storage.tsdb.path=" + storage, "--web.listen-address=" + address);
			Path directory = Files.createDirectories(Path.of("target", "sample-processes"));
			Path output = directory.resolve("prometheus-end-to-end-prometheus.log");
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.redirectInput(Redirect.from(new File("/dev/null")))
				.start();
			return new PrometheusServer(process, output, URI.create("http://" + address));
		}

		/**
		 * Wait until the server answers that it is ready to serve queries.
		 * @param timeout how long to wait
		 */
		void awaitReady(Duration timeout) {
			await().atMost(timeout)
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptionsInstanceOf(IOException.class)
				.untilAsserted(() -> {
					assertThat(this.process.isAlive()).as("Prometheus is running; output:%n%s", output()).isTrue();
					assertThat(get("/-/ready").statusCode()).isEqualTo(200);
				});
		}

		/**
		 * Query until {@code query} returns one sample whose value is {@code expected}.
		 * @param query the PromQL query
		 * @param expected the expected value
		 * @param timeout how long to wait
		 * @return the last response, as JSON
		 */
		String awaitValue(String query, double expected, Duration timeout) {
			AtomicReference<String> json = new AtomicReference<>();
			await().atMost(timeout).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
				json.set(query(query));
				List<String> values = JsonPath.read(json.get(), "$.data.result[*].value[1]");
				assertThat(values).as("values of %s in %s", query, json.get())
					.singleElement()
					.extracting(Double::valueOf)
					.isEqualTo(expected);
			});
			return json.get();
		}

		/**
		 * Wait until every rule that the server loaded has been evaluated without error.
		 * @param timeout how long to wait
		 */
		void awaitRulesEvaluated(Duration timeout) {
			await().atMost(timeout).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
				String json = get("/api/v1/rules").body();
				List<String> health = JsonPath.read(json, "$.data.groups[*].rules[*].health");
				assertThat(health).as("health of the rules in %s", json).hasSize(9).containsOnly("ok");
			});
		}

		/**
		 * Evaluate {@code query} now and return the response.
		 * @param query the PromQL query
		 * @return the response, as JSON, whose status is success
		 */
		String query(String query) throws IOException {
			HttpResponse<String> response = get(
					"/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
			assertThat(response.statusCode()).as("status of %s: %s", query, response.body()).isEqualTo(200);
			assertThat(JsonPath.<String>read(response.body(), "$.status")).isEqualTo("success");
			return response.body();
		}

		private HttpResponse<String> get(String path) throws IOException {
			HttpRequest request = HttpRequest.newBuilder(this.uri.resolve(path)).timeout(REQUEST_TIMEOUT).build();
			try {
				return this.client.send(request, BodyHandlers.ofString());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("Interrupted while requesting " + path, ex);
			}
		}

		private String output() throws IOException {
			return Files.readString(this.output);
		}

		/**
		 * Stop the server: SIGTERM, then SIGKILL if it is still running after a while.
		 */
		@Override
		public void close() {
			SampleAppSupport.stop(this.process, STOP_TIMEOUT);
		}

	}

}
