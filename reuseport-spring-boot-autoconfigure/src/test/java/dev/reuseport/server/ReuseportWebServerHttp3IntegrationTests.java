package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.Http3Clients;
import dev.reuseport.test.TestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests of HTTP/3 on a {@link ReuseportWebServer}: the test application with
 * {@code reuseport.http3.enabled=true} and the test key store, and Reactor Netty's
 * HTTP/1.1, HTTP/2 and HTTP/3 clients.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportWebServerHttp3IntegrationTests {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	static final String[] HTTP3 = { "reuseport.listeners=2", "reuseport.http3.enabled=true",
			"server.http2.enabled=true", "server.ssl.key-store=classpath:test.p12",
			"server.ssl.key-store-password=secret1", "server.ssl.key-store-type=PKCS12" };

	@Test
	void theSameApplicationAnswersAlikeOverHttp11Http2AndHttp3() {
		try (ConfigurableApplicationContext context = TestApplication.run(HTTP3)) {
			int port = TestApplication.port(context);
			List<String> answers = new ArrayList<>();
			for (HttpProtocol protocol : List.of(HttpProtocol.HTTP11, HttpProtocol.H2, HttpProtocol.HTTP3)) {
				answers.add(exchange(protocol, port));
			}
			System.out.println(answers);
		}
	}

	private static String exchange(HttpProtocol protocol, int port) {
		ConnectionProvider pool = ConnectionProvider.create("h3-test-" + protocol, 1);
		try {
			HttpClient client = Http3Clients.client(protocol, pool).baseUrl("https://127.0.0.1:" + port);
			String get = client.get()
				.uri("/stream?count=3")
				.responseSingle((response, body) -> body.asString()
					.map((text) -> response.version() + " " + response.status().code() + " "
							+ response.responseHeaders().get("alt-svc") + " " + text))
				.block(TIMEOUT);
			String post = client.post()
				.uri("/echo")
				.send(ByteBufFlux.fromString(Mono.just("hello")))
				.responseSingle((response, body) -> body.asString())
				.block(TIMEOUT);
			return get + " | " + post;
		}
		finally {
			pool.disposeLater().block(TIMEOUT);
		}
	}

}
