package dev.reuseport.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.reuseport.sample.SampleAppSupport.SampleProcess;
import dev.reuseport.test.Prerequisites;
import dev.reuseport.test.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for systemd socket activation: {@code systemd-socket-activate} (from
 * the {@code systemd} package) holds the listening socket and passes it to
 * {@code supervise.sh}, which runs the sample application with it and restarts it as
 * {@code systemctl restart} does, while new connections arrive at a steady pace. The
 * socket stays open across the restart, so a connection made while no JVM runs waits in
 * its queue instead of being refused.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SocketActivationIntegrationTests {

	private static final Path SUPERVISOR = Path.of("src/test/resources/socket-activation/supervise.sh");

	private static final List<String> JVM_ARGUMENTS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
			"-Xmx256m");

	private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

	private static final int CONNECTIONS = 400;

	private static final Duration PACE = Duration.ofMillis(25);

	// Long enough for a restart on a slow machine: a connection waits for the new JVM
	private static final int READ_TIMEOUT_MILLIS = 60_000;

	private static final Pattern PID = Pattern.compile("pid: (\\d+)");

	@Test
	void aRestartRefusesNoConnectionWhileTheJvmIsDown(@TempDir Path directory) throws Exception {
		Path activate = Prerequisites.requireTool("systemd-socket-activate", "install the systemd package");
		int port = SampleAppSupport.freePort();
		Path events = directory.resolve("events");
		List<String> launcher = List.of(activate.toString(), "--listen=" + SampleAppSupport.HOST + ":" + port,
				"--setenv=SUPERVISOR_EVENTS=" + events, "--", "bash", SUPERVISOR.toAbsolutePath().toString());
		try (SampleProcess supervisor = SampleProcess.start(launcher, "socket-activation", JVM_ARGUMENTS,
				"--server.port=" + port, "--server.address=" + SampleAppSupport.HOST, "--management.server.port=0",
				"--reuseport.listeners=2")) {
			supervisor.awaitOutput("Listening on " + SampleAppSupport.HOST + ":" + port + " as 3.", START_TIMEOUT);
			// systemd-socket-activate starts the service on the first connection, which
			// waits in the queue meanwhile
			Outcome first = request(port);
			assertThat(first.status()).as("first answer: %s", first).isEqualTo(200);
			supervisor.awaitOutput("Adopting 1 sockets on /" + SampleAppSupport.HOST + ":" + port
					+ " that systemd passed to this process", START_TIMEOUT);
			List<Outcome> outcomes = pacedRequestsAcrossARestart(port, supervisor.pid());
			Map<Long, Long> answersByPid = new TreeMap<>();
			outcomes.stream()
				.filter((outcome) -> outcome.pid() > 0)
				.forEach((outcome) -> answersByPid.merge(outcome.pid(), 1L, Long::sum));
			long failed = outcomes.stream().filter((outcome) -> outcome.status() != 200).count();
			Duration longest = outcomes.stream().map(Outcome::latency).max(Duration::compareTo).orElseThrow();
			System.out.printf("Restart under socket activation: %d connections, %d failed, longest wait %d ms, "
					+ "answers by pid %s%n", outcomes.size(), failed, longest.toMillis(), answersByPid);
			assertThat(outcomes).as("connections refused, reset or failed")
				.allSatisfy((outcome) -> assertThat(outcome.status()).as("%s", outcome).isEqualTo(200));
			assertThat(answersByPid).as("answers by pid").hasSize(2).containsKey(first.pid());
			assertThat(Files.readAllLines(events)).as("events of the supervisor")
				.containsSubsequence("started " + first.pid(), "stopped " + first.pid());
			// The JVM's own descriptor is closed on stop: the socket lives on in the
			// supervisor, which systemd stands for, with the options it was bound with
			assertThat(supervisor.output()).contains("Graceful shutdown complete");
			assertThat(supervisor.outputLines())
				.filteredOn((line) -> line.contains("have no SO_REUSEPORT, so no other listener can join them"))
				.as("each JVM's warning that the socket has no SO_REUSEPORT")
				.hasSize(2);
		}
	}

	/**
	 * Open {@link #CONNECTIONS} connections, one every {@link #PACE}, each on a thread of
	 * its own, and restart the service after the first tenth of them.
	 */
	private static List<Outcome> pacedRequestsAcrossARestart(int port, long supervisor) throws Exception {
		ExecutorService clients = Executors.newCachedThreadPool();
		try {
			List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
			long start = System.nanoTime();
			for (int i = 0; i < CONNECTIONS; i++) {
				if (i == CONNECTIONS / 10) {
					// As systemctl restart: the supervisor stops the JVM, then starts one
					assertThat(new ProcessBuilder("kill", "-HUP", String.valueOf(supervisor)).start().waitFor())
						.isZero();
				}
				outcomes.add(CompletableFuture.supplyAsync(() -> request(port), clients));
				long next = start + (i + 1) * PACE.toNanos();
				await().pollDelay(Duration.ZERO)
					.pollInterval(Duration.ofMillis(1))
					.atMost(Duration.ofSeconds(5))
					.until(() -> System.nanoTime() >= next);
			}
			List<Outcome> results = new ArrayList<>();
			for (CompletableFuture<Outcome> outcome : outcomes) {
				results.add(outcome.get(2L * READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
			}
			return results;
		}
		finally {
			clients.shutdownNow();
		}
	}

	/**
	 * One {@code GET /} on a new connection, timed from the connect to the end of the
	 * response, read for as long as a restart may take.
	 */
	private static Outcome request(int port) {
		long begin = System.nanoTime();
		try (Socket socket = RawHttp.connect(port)) {
			socket.setSoTimeout(READ_TIMEOUT_MILLIS);
			RawHttp.send(socket, "/", true);
			RawHttp.Response response = RawHttp.read(socket);
			Matcher pid = PID.matcher(response.body());
			return new Outcome(Duration.ofNanos(System.nanoTime() - begin), response.status(),
					pid.find() ? Long.parseLong(pid.group(1)) : -1, null);
		}
		catch (IOException | UncheckedIOException ex) {
			return new Outcome(Duration.ofNanos(System.nanoTime() - begin), -1, -1, ex.toString());
		}
	}

	/**
	 * What one connection got.
	 *
	 * @param latency from the connect to the end of the response
	 * @param status the response status, or -1 when the connection failed
	 * @param pid the process that answered, or -1
	 * @param failure the failure, or {@code null}
	 */
	record Outcome(Duration latency, int status, long pid, String failure) {

	}

}
