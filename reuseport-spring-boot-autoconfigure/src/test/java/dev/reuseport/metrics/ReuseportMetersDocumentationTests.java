package dev.reuseport.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static dev.reuseport.test.TestApplication.port;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the documentation of the meters the starter registers: every meter named
 * {@code reuseport.*} in the registry of a running application, after a downstream call
 * made on a listener's loop and one made off the loops, is named in
 * {@code docs/observability.md}, so that a new meter cannot ship undocumented.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportMetersDocumentationTests {

	// Maven runs the tests in the module's directory
	private static final Path OBSERVABILITY_PAGE = Path.of("../docs/observability.md");

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@Test
	void everyMeterOfARunningApplicationIsDocumented() throws IOException {
		// Stall relief is on by default in applications, off by default in the tests
		try (ConfigurableApplicationContext context = TestApplication.run(
				new Class<?>[] { DownstreamCallConfiguration.class }, "reuseport.listeners=2",
				TestApplication.STALL_RELIEF, "server.shutdown=immediate")) {
			WebClient client = context.getBean(WebClient.Builder.class)
				.baseUrl("http://127.0.0.1:" + port(context))
				.build();
			// This call is made off the listeners' loops; /call makes another on one
			String body = client.get().uri("/call").retrieve().bodyToMono(String.class).block(TIMEOUT);
			assertThat(ServedBy.parse(body).listener()).isNotNegative();
			Set<String> meters = reuseportMeters(context);
			assertThat(meters).as("meters registered")
				.contains(ReuseportMeters.CONNECTIONS_ACTIVE, ReuseportMeters.LISTEN_OVERFLOWS,
						ReuseportMeters.CLIENT_CALLS, ReuseportMeters.CLIENT_CALLS_OFF_LOOP);
			assertDocumented(meters);
		}
	}

	@Test
	void everyHttp3MeterIsDocumented() throws IOException {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2",
				"reuseport.http3.enabled=true", "server.ssl.key-store=classpath:test.p12",
				"server.ssl.key-store-password=secret1", "server.ssl.key-store-type=PKCS12")) {
			Set<String> meters = reuseportMeters(context);
			assertThat(meters).as("meters registered")
				.contains(ReuseportMeters.HTTP3_CONNECTIONS_ACCEPTED, ReuseportMeters.UDP_RECEIVE_ERRORS);
			assertDocumented(meters);
		}
	}

	private static Set<String> reuseportMeters(ConfigurableApplicationContext context) {
		return context.getBean(MeterRegistry.class)
			.getMeters()
			.stream()
			.map((meter) -> meter.getId().getName())
			.filter((name) -> name.startsWith("reuseport."))
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private static void assertDocumented(Set<String> meters) throws IOException {
		String page = Files.readString(OBSERVABILITY_PAGE);
		// In backquotes, as the page writes them, so that
		// reuseport.listener.accept.queue
		// is not found inside reuseport.listener.accept.queue.limit
		assertThat(meters).filteredOn((name) -> !page.contains("`" + name + "`"))
			.as("meters missing from %s", OBSERVABILITY_PAGE.normalize())
			.isEmpty();
	}

	/**
	 * A {@code /call} route that calls the application's own {@code /whoami} through the
	 * auto-configured {@link WebClient.Builder}, on the listener's loop that serves the
	 * request, and answers with the downstream body.
	 */
	@Configuration(proxyBeanMethods = false)
	static class DownstreamCallConfiguration {

		@Bean
		RouterFunction<ServerResponse> callRoute(WebClient.Builder builder, Environment environment) {
			WebClient client = builder.build();
			return RouterFunctions.route()
				.GET("/call",
						(request) -> client.get()
							.uri("http://127.0.0.1:" + environment.getRequiredProperty("local.server.port") + "/whoami")
							.retrieve()
							.bodyToMono(String.class)
							.flatMap((body) -> ServerResponse.ok().bodyValue(body)))
				.build();
		}

	}

}
