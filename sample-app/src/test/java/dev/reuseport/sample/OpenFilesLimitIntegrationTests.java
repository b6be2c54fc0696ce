package dev.reuseport.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.reuseport.sample.SampleAppSupport.SampleProcess;
import dev.reuseport.test.Prerequisites;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the sample application at its open-files limit, in a JVM started
 * with a low limit ({@code prlimit --nofile}) and more connections than descriptors.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OpenFilesLimitIntegrationTests {

	private static final int OPEN_FILES_LIMIT = 300;

	// Twice the limit: about half wait in the accept queues once the descriptors run out
	private static final int CONNECTIONS = 2 * OPEN_FILES_LIMIT;

	private static final int LISTENERS = 4;

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

	private static final Duration MEASURED = Duration.ofSeconds(3);

	private static final String WARNING = "cannot accept connections: too many open files in this process (EMFILE";

	private static final Pattern EMFILE_ERRORS = Pattern
		.compile("(?m)^reuseport_listener_accept_errors_total\\{error=\"emfile\",[^}]*} (\\S+)$");

	@ParameterizedTest
	@ValueSource(strings = { "epoll", "io_uring" })
	void atTheLimitListenersPauseWarnOnceCountAndServeEveryWaitingConnectionOnceDescriptorsAreFree(String transport)
			throws Exception {
		Prerequisites.requireTool("prlimit", "install the Debian package util-linux");
		if ("io_uring".equals(transport)) {
			Prerequisites.require(IoUring.isAvailable(), "io_uring is unavailable: " + IoUring.unavailabilityCause());
		}
		int[] ports = SampleAppSupport.freePorts(2);
		int port = ports[0];
		try (SampleProcess app = SampleProcess.start(
				List.of("prlimit", "--nofile=%d:%d".formatted(OPEN_FILES_LIMIT, OPEN_FILES_LIMIT)),
				"open-files-limit-" + transport, List.of(), "--server.port=" + port,
				"--server.address=" + SampleAppSupport.HOST, "--management.server.port=" + ports[1],
				"--management.server.address=" + SampleAppSupport.HOST, "--reuseport.listeners=" + LISTENERS,
				"--reuseport.transport=" + transport, "--reuseport.required=true")) {
			app.awaitStarted(STARTUP_TIMEOUT);
			assertThat(app.output()).contains(LISTENERS + " SO_REUSEPORT " + transport + " listeners");
			List<Socket> connections = connect(port);
			try {
				app.awaitOutput(WARNING, Duration.ofSeconds(30));
				long before = ListenerThreadTicks.of(app.pid());
				long start = System.nanoTime();
				// Not a wait for a condition: the window over which the CPU is measured
				Thread.sleep(MEASURED.toMillis());
				long ticks = ListenerThreadTicks.of(app.pid()) - before;
				double seconds = (System.nanoTime() - start) / 1e9;
				double shareOfOneCore = ticks / (seconds * ListenerThreadTicks.perSecond());
				System.out.printf("At the open-files limit on %s: the %d listener threads used %d ticks in %.1f s, "
						+ "%.1f %% of one core%n", transport, LISTENERS, ticks, seconds, 100 * shareOfOneCore);
				assertThat(shareOfOneCore).as("share of one core used by the listener loops").isLessThan(0.10);
				assertThat(app.output()).containsOnlyOnce(WARNING)
					.contains("limit of %d open files".formatted(OPEN_FILES_LIMIT))
					.contains("LimitNOFILE=");
				// Each request asks the server to close its connection once answered,
				// which frees a descriptor for a connection still waiting in a queue
				for (Socket connection : connections) {
					connection.getOutputStream()
						.write("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
							.formatted(SampleAppSupport.HOST)
							.getBytes(StandardCharsets.US_ASCII));
				}
				for (int i = 0; i < connections.size(); i++) {
					assertThat(readToEnd(connections.get(i))).as("answer on connection %d", i)
						.startsWith("HTTP/1.1 200")
						.contains("pid: " + app.pid());
				}
			}
			finally {
				for (Socket connection : connections) {
					connection.close();
				}
			}
			Response prometheus = RawHttp.get(ports[1], "/actuator/prometheus");
			Matcher emfile = EMFILE_ERRORS.matcher(prometheus.body());
			double errors = 0;
			while (emfile.find()) {
				errors += Double.parseDouble(emfile.group(1));
			}
			assertThat(errors).as("accept errors counted as emfile").isPositive();
		}
	}

	private static List<Socket> connect(int port) throws IOException {
		List<Socket> connections = new ArrayList<>();
		for (int i = 0; i < CONNECTIONS; i++) {
			Socket socket = new Socket();
			socket.connect(new InetSocketAddress(SampleAppSupport.HOST, port), 5_000);
			socket.setSoTimeout(30_000);
			connections.add(socket);
		}
		return connections;
	}

	private static String readToEnd(Socket connection) {
		try (InputStream input = connection.getInputStream()) {
			return new String(input.readAllBytes(), StandardCharsets.US_ASCII);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
