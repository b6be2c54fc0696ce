package dev.reuseport.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.OwnNetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.Shutdown;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link StartupLog}: what a server says about
 * {@code net.ipv4.tcp_migrate_req=0}, alone on its port and sharing it, in a network
 * namespace of its own where the test sets the sysctl.
 */
@Tag(OwnNetworkNamespace.TAG)
class StartupLogIntegrationTests {

	private static final String FIX = "sysctl -w net.ipv4.tcp_migrate_req=1";

	// Everything the server logs here is expected: the test reads it
	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(Pattern.compile("(?s).*"), ReuseportWebServer.class);

	@BeforeAll
	static void ownNetworkNamespace() {
		OwnNetworkNamespace.require();
	}

	@BeforeEach
	void migrateNothing() {
		OwnNetworkNamespace.set("net.ipv4.tcp_migrate_req=0");
	}

	@AfterEach
	void migrateAgain() {
		OwnNetworkNamespace.set("net.ipv4.tcp_migrate_req=1");
	}

	@Test
	void aServerAloneOnItsPortSaysOnceAtInfoWhatToSet() throws Exception {
		ReuseportWebServer server = start(0);
		try {
			assertThat(messages(Level.INFO)).filteredOn((message) -> message.contains(FIX)).hasSize(1);
			shutDownGracefully(server);
			assertThat(messages(Level.WARN)).isEmpty();
		}
		finally {
			server.stop();
		}
	}

	@Test
	void aServerThatJoinsAPortAlreadyListenedOnWarnsOnce() throws Exception {
		onOnePort((first, second) -> {
			assertThat(messages(Level.INFO)).contains(("Joined 2 SO_REUSEPORT listeners already on port %d (held by "
					+ "process %d), as reuseport.join-existing allows")
				.formatted(first.getPort(), ProcessHandle.current().pid()));
			assertThat(messages(Level.WARN)).singleElement()
				.satisfies((message) -> assertThat(message).contains("shares port " + first.getPort()).contains(FIX));
			shutDownGracefully(second);
			assertThat(messages(Level.WARN)).hasSize(1);
		});
	}

	@Test
	void aServerThatHandsItsPortOverWarnsWhenItsGracefulShutdownBegins() throws Exception {
		onOnePort((old, next) -> {
			// The new server warned as it joined the port
			assertThat(messages(Level.WARN)).hasSize(1);
			shutDownGracefully(old);
			assertThat(messages(Level.WARN)).hasSize(2)
				.last()
				.satisfies((message) -> assertThat(message)
					.contains("shuts down while another process listens on port " + old.getPort())
					.contains(FIX));
		});
	}

	@Test
	void serversOnTwoAddressesOfOnePortShareNoGroupAndNeitherWarns() throws Exception {
		ReuseportWebServer first = start(0);
		try {
			ReuseportWebServer second = start("127.0.0.2", first.getPort());
			try {
				shutDownGracefully(second);
				assertThat(messages(Level.WARN)).isEmpty();
				assertThat(messages(Level.INFO)).filteredOn((message) -> message.contains(FIX)).hasSize(2);
				assertThat(messages(Level.INFO)).noneMatch((message) -> message.startsWith("Joined"));
			}
			finally {
				second.stop();
			}
		}
		finally {
			first.stop();
		}
	}

	/**
	 * Start a server alone on a port, which warns of nothing, then a second one on the
	 * same port, and run a test on both.
	 */
	private void onOnePort(TwoServers test) throws Exception {
		ReuseportWebServer first = start(0);
		try {
			assertThat(messages(Level.WARN)).isEmpty();
			ReuseportWebServer second = start(first.getPort());
			try {
				test.run(first, second);
			}
			finally {
				second.stop();
			}
		}
		finally {
			first.stop();
		}
	}

	private List<String> messages(Level level) {
		return this.logs.messages(level);
	}

	private static ReuseportWebServer start(int port) {
		return start("127.0.0.1", port);
	}

	private static ReuseportWebServer start(String host, int port) {
		HttpServer httpServer = HttpServer.create()
			.host(host)
			.port(port)
			.handle((request, response) -> response.sendString(Mono.just("ok")));
		ReuseportWebServer server = new ReuseportWebServer(httpServer, ListenerTransport.EPOLL, 2, port != 0, null,
				Shutdown.GRACEFUL, ConnectionBalancing.DEFAULT, StallReliefSettings.DISABLED);
		server.start();
		return server;
	}

	private static void shutDownGracefully(ReuseportWebServer server) throws Exception {
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
	}

	@FunctionalInterface
	private interface TwoServers {

		void run(ReuseportWebServer first, ReuseportWebServer second) throws Exception;

	}

}
