package dev.reuseport.server;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.reuseport.test.GtlsClient;
import dev.reuseport.test.GtlsClient.Exchange;
import dev.reuseport.test.TestHttpClients;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.SocketStats;
import dev.reuseport.test.TestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Integration tests of HTTP/3 on a {@link ReuseportWebServer}: the test application with
 * {@code reuseport.http3.enabled=true} and the test key store, on real UDP sockets of
 * 127.0.0.1, with Reactor Netty's HTTP/1.1, HTTP/2 and HTTP/3 clients and ngtcp2's
 * {@code gtlsclient}.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportWebServerHttp3IntegrationTests {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	static final String[] TLS = { "server.ssl.key-store=classpath:test.p12", "server.ssl.key-store-password=secret1",
			"server.ssl.key-store-type=PKCS12" };

	static final String[] HTTP3 = Stream
		.concat(Stream.of("reuseport.listeners=2", "reuseport.http3.enabled=true", "server.http2.enabled=true"),
				Stream.of(TLS))
		.toArray(String[]::new);

	@TempDir
	Path downloads;

	@Test
	void theSameApplicationAnswersAlikeOverHttp11Http2AndHttp3() {
		try (ConfigurableApplicationContext context = TestApplication.run(HTTP3)) {
			int port = TestApplication.port(context);
			String altSvc = "h3=\":" + port + "\"; ma=86400";
			assertThat(exchange(HttpProtocol.HTTP11, port)).containsExactly("HTTP/1.1", altSvc,
					"200 line 0\nline 1\n" + "line 2\nline 3\nline 4\n", "200 length=5", "404 true");
			assertThat(exchange(HttpProtocol.H2, port)).containsExactly("HTTP/2.0", altSvc,
					"200 line 0\nline 1\n" + "line 2\nline 3\nline 4\n", "200 length=5", "404 true");
			// HTTP/3 responses need no Alt-Svc
			assertThat(exchange(HttpProtocol.HTTP3, port)).containsExactly("HTTP/3.0", "null",
					"200 line 0\nline 1\n" + "line 2\nline 3\nline 4\n", "200 length=5", "404 true");
		}
	}

	@Test
	void gtlsclientGetsTheSameAnswersOverHttp3(@TempDir Path requestBody) throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(HTTP3)) {
			int port = TestApplication.port(context);
			GtlsClient client = new GtlsClient(this.downloads);
			Exchange get = client.exchange(port, List.of(), "/stream", "/missing", "/whoami");
			assertThat(get.status(0)).isEqualTo(200);
			assertThat(get.body("stream")).isEqualTo("line 0\nline 1\nline 2\nline 3\nline 4\n");
			assertThat(get.status(1)).isEqualTo(404);
			assertThat(get.status(2)).isEqualTo(200);
			assertThat(ServedBy.parse(get.body("whoami")).onOwnLoop()).isTrue();
			Path body = requestBody.resolve("body");
			Files.writeString(body, "x".repeat(100_000), StandardCharsets.UTF_8);
			Exchange post = client.exchange(port, List.of("-m", "POST", "-d", body.toString()), "/echo");
			assertThat(post.status(0)).isEqualTo(200);
			assertThat(post.body("echo")).endsWith(" length=100000");
		}
	}

	@Test
	void oneUdpSocketPerListenerAndEveryLoopServesTheConnectionsItAccepts() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(HTTP3)) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getHttp3().port();
			assertThat(port).isEqualTo(server.getPort());
			// ss -uampn: one UDP socket per listener on the port, and no other of this
			// JVM
			assertThat(SocketStats.udpDrops(port)).hasSize(2);
			Map<Integer, Integer> servedByListener = new TreeMap<>();
			for (int i = 0; i < 24; i++) {
				// A pool of its own: a new QUIC connection, from a new client port
				ConnectionProvider pool = ConnectionProvider.create("h3-spread-" + i, 1);
				try {
					ServedBy servedBy = ServedBy.parse(TestHttpClients.client(HttpProtocol.HTTP3, pool)
						.get()
						.uri("https://127.0.0.1:" + port + "/whoami")
						.responseSingle((response, body) -> body.asString())
						.block(TIMEOUT));
					assertThat(servedBy.onOwnLoop()).as("served on the loop of listener %s", servedBy).isTrue();
					servedByListener.merge(servedBy.listener(), 1, Integer::sum);
				}
				finally {
					pool.disposeLater().block(TIMEOUT);
				}
			}
			assertThat(servedByListener).containsOnlyKeys(0, 1);
			Map<Integer, Integer> accepted = new TreeMap<>();
			server.getHttp3()
				.listeners()
				.forEach((listener) -> accepted.put(listener.index(), (int) listener.acceptedConnections()));
			assertThat(accepted).isEqualTo(servedByListener);
			assertThat(server.getHttp3().listeners()).allSatisfy((listener) -> {
				assertThat(listener.reroutedDatagrams()).isZero();
				assertThat(listener.receiveDrops()).isZero();
			});
		}
	}

	@Test
	void aConnectionWhoseClientAddressChangesIsServedOnItsOwnLoop() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(HTTP3)) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			GtlsClient client = new GtlsClient(this.downloads);
			// Each connection moves to a new client port before its request: the kernel
			// hashes it to the other socket half of the time
			for (int i = 0; i < 16 && rerouted(server) == 0; i++) {
				for (List<String> move : List.<List<String>>of(List.of("--nat-rebinding"), List.of())) {
					long[] before = accepted(server);
					List<String> options = new ArrayList<>(List.of("--change-local-addr=50ms", "--delay-stream=250ms"));
					options.addAll(move);
					Exchange exchange = client.exchange(port, options, "/whoami");
					assertThat(exchange.status(0)).as("the response after moving %s", move).isEqualTo(200);
					ServedBy servedBy = ServedBy.parse(exchange.body("whoami"));
					assertThat(servedBy.onOwnLoop()).isTrue();
					long[] after = accepted(server);
					assertThat(after[servedBy.listener()] - before[servedBy.listener()])
						.as("the listener that accepted the connection served it")
						.isOne();
				}
			}
			assertThat(rerouted(server)).as("datagrams handed to the loop that owns their connection").isPositive();
		}
	}

	@Test
	void withoutTlsItWarnsOnceAndServesTcpOnly(CapturedOutput output) {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.http3.enabled=true")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			assertThat(server.getHttp3().serving()).isFalse();
			assertThat(server.getHttp3().unavailable()).startsWith("HTTP/3 is off: QUIC needs TLS");
			assertThat(server.getHttp3().listeners()).isEmpty();
			assertThat(output.toString().lines().filter((line) -> line.contains("HTTP/3"))).singleElement()
				.asString()
				.contains(" WARN ")
				.contains("HTTP/3 is off: QUIC needs TLS and the server has none. Set server.ssl.bundle")
				.contains("Serving HTTP/1.1 and HTTP/2 only");
		}
	}

	@Test
	void withoutTlsStartupFailsWhenRequired() {
		assertThatException()
			.isThrownBy(() -> TestApplication.run("reuseport.http3.enabled=true", "reuseport.required=true").close())
			.havingRootCause()
			.isInstanceOf(ReuseportHttp3Exception.class)
			.withMessageContaining("QUIC needs TLS and the server has none. Set server.ssl.bundle");
	}

	@Test
	void aUdpPortInUseIsNamedWithItsHolder(CapturedOutput output) throws Exception {
		try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
			String[] properties = Stream
				.concat(Stream.of(HTTP3), Stream.of("reuseport.http3.port=" + taken.getLocalPort()))
				.toArray(String[]::new);
			try (ConfigurableApplicationContext context = TestApplication.run(properties)) {
				ReuseportWebServer server = TestApplication.webServer(context);
				assertThat(server.getHttp3().serving()).isFalse();
				assertThat(output)
					.contains("HTTP/3 is off: UDP port " + taken.getLocalPort() + " is in use (held by " + "process "
							+ ProcessHandle.current().pid() + "). Stop what holds it, set reuseport.http3.port");
				assertThat(altSvcOverHttp11(server.getPort())).isNull();
			}
			String[] required = Stream.concat(Stream.of(properties), Stream.of("reuseport.required=true"))
				.toArray(String[]::new);
			assertThatException().isThrownBy(() -> TestApplication.run(required).close())
				.havingRootCause()
				.isInstanceOf(ReuseportHttp3Exception.class)
				.withMessageContaining("UDP port " + taken.getLocalPort() + " is in use");
		}
	}

	/**
	 * Send one request of each kind and describe the answers without the listener and the
	 * thread that served them, which differ from connection to connection.
	 */
	private static List<String> exchange(HttpProtocol protocol, int port) {
		ConnectionProvider pool = ConnectionProvider.create("h3-answers-" + protocol, 1);
		try {
			HttpClient client = TestHttpClients.client(protocol, pool).baseUrl("https://127.0.0.1:" + port);
			List<String> answers = new ArrayList<>();
			client.get().uri("/whoami").response((response, body) -> {
				answers.add(response.version().text());
				answers.add(String.valueOf(response.responseHeaders().get("alt-svc")));
				return body;
			}).blockLast(TIMEOUT);
			answers.add(client.get()
				.uri("/stream")
				.responseSingle(
						(response, body) -> body.asString().map((text) -> response.status().code() + " " + text))
				.block(TIMEOUT));
			answers.add(client.post()
				.uri("/echo")
				.send(ByteBufFlux.fromString(Mono.just("hello")))
				.responseSingle((response, body) -> body.asString()
					.map((text) -> response.status().code() + " " + text.substring(text.indexOf("length="))))
				.block(TIMEOUT));
			answers.add(client.get()
				.uri("/missing")
				.responseSingle((response, body) -> body.asString()
					.map((text) -> response.status().code() + " " + text.contains("\"status\":404")))
				.block(TIMEOUT));
			return answers;
		}
		finally {
			pool.disposeLater().block(TIMEOUT);
		}
	}

	/**
	 * Return the {@code Alt-Svc} header of an HTTP/1.1 response over TLS.
	 */
	static String altSvcOverHttp11(int port) {
		ConnectionProvider pool = ConnectionProvider.create("h3-plain", 1);
		try {
			return TestHttpClients.client(HttpProtocol.HTTP11, pool)
				.get()
				.uri("https://127.0.0.1:" + port + "/whoami")
				.response()
				.mapNotNull((response) -> response.responseHeaders().get("alt-svc"))
				.block(TIMEOUT);
		}
		finally {
			pool.disposeLater().block(TIMEOUT);
		}
	}

	private static long rerouted(ReuseportWebServer server) {
		return server.getHttp3().listeners().stream().mapToLong(Http3Listener::reroutedDatagrams).sum();
	}

	private static long[] accepted(ReuseportWebServer server) {
		return server.getHttp3().listeners().stream().mapToLong(Http3Listener::acceptedConnections).toArray();
	}

}
