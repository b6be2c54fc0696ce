package dev.reuseport.sample;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.GtlsClient;
import dev.reuseport.test.GtlsClient.Exchange;
import dev.reuseport.test.TestHttpClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.HttpProtocol;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RunCertificate}: the sample with the {@code http3} profile generates a
 * certificate for the run and answers over HTTP/3, to ngtcp2's {@code gtlsclient}, and
 * over HTTPS with {@code Alt-Svc}; without the profile it generates nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RunCertificateIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	Path downloads;

	@Test
	void theHttp3ProfileServesHttp3WithACertificateGeneratedForTheRun() throws Exception {
		try (ConfigurableApplicationContext context = run("--spring.profiles.active=http3")) {
			int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
			Path keyStore = Path.of(context.getEnvironment().getRequiredProperty("server.ssl.key-store"));
			assertThat(keyStore).isRegularFile().hasFileName("localhost.p12");
			assertThat(keyStore.getParent().getFileName().toString()).startsWith("reuseport-sample-");
			assertThat(keyStore.toAbsolutePath().startsWith(Path.of("").toAbsolutePath()))
				.as("generated outside the project")
				.isFalse();
			Exchange exchange = new GtlsClient(this.downloads).exchange(port, List.of(), "/");
			assertThat(exchange.status(0)).isEqualTo(200);
			assertThat(exchange.body("index.html")).matches("gid: \\d+, pid: " + ProcessHandle.current().pid()
					+ ", listener: (\\d), loop: reuseport-listener-\\1");
			ConnectionProvider pool = ConnectionProvider.create("sample-https", 1);
			try {
				String altSvc = TestHttpClients.client(HttpProtocol.HTTP11, pool)
					.get()
					.uri("https://127.0.0.1:" + port + "/")
					.response()
					.mapNotNull((response) -> response.responseHeaders().get("alt-svc"))
					.block(TIMEOUT);
				assertThat(altSvc).isEqualTo("h3=\":" + port + "\"; ma=86400");
			}
			finally {
				pool.disposeLater().block(TIMEOUT);
			}
		}
	}

	@Test
	void withoutTheProfileNothingIsGenerated() {
		try (ConfigurableApplicationContext context = run()) {
			assertThat(context.getEnvironment().containsProperty("server.ssl.key-store")).isFalse();
		}
	}

	private static ConfigurableApplicationContext run(String... arguments) {
		List<String> all = new ArrayList<>(
				List.of("--server.port=0", "--server.address=" + SampleAppSupport.HOST, "--reuseport.listeners=2"));
		all.addAll(List.of(arguments));
		return new SpringApplicationBuilder(SampleApplication.class).run(all.toArray(String[]::new));
	}

}
