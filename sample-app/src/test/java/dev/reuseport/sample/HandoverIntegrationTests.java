package dev.reuseport.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.reuseport.sample.HandoverLoadClient.Report;
import dev.reuseport.test.Prerequisites;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for rolling restarts under load: sample processes replace one another
 * on one port with {@code scripts/rolling-restart.sh} while {@link HandoverLoadClient}
 * sends requests, all inside a network namespace that the test creates, so that
 * {@code net.ipv4.tcp_migrate_req} is set there and not on the host. They need root; they
 * skip without it, except in CI ({@code CI=true}), where they fail.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HandoverIntegrationTests {

	private static final int HANDOVERS = 3;

	private static final int CLIENTS = 64;

	private static final long MAX_REQUESTS = 20_000_000;

	private static final Duration MAX_LOAD = Duration.ofMinutes(3);

	private static final Duration TIMEOUT = Duration.ofSeconds(90);

	private static final int PORT = 8080;

	private static final List<String> APPLICATION_ARGUMENTS = List.of("--server.port=" + PORT,
			"--server.address=" + SampleAppSupport.HOST, "--management.server.address=" + SampleAppSupport.HOST,
			"--reuseport.listeners=2");

	/**
	 * Quick to start on a busy machine; the load, not the JIT, is under test.
	 */
	private static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m";

	private static final Pattern STARTED = Pattern.compile("(?m)^started pid=(\\d+) management-port=\\d+ log=(\\S+)$");

	private static final String MIGRATION_WARNING = "net.ipv4.tcp_migrate_req is 0";

	@Test
	void rollingRestartsUnderLoadFailNoRequestWhenTheSocketsArePassed() {
		Handovers handovers = run(0, "epoll", true);
		assertThat(handovers.report().failures()).as("failed requests, by kind").isEmpty();
		assertThat(handovers.modes()).containsOnly("sockets");
		assertThat(handovers.logs().subList(1, HANDOVERS + 1)).allSatisfy((log) -> assertThat(log)
			.contains("Adopted 2 SO_REUSEPORT listeners on /" + SampleAppSupport.HOST + ":" + PORT));
		assertThat(handovers.logs()).allSatisfy((log) -> assertThat(log).doesNotContain(MIGRATION_WARNING + " and"));
	}

	@Test
	void rollingRestartsUnderLoadFailNoRequestWhenTheSocketsArePassedAndQueuedConnectionsMigrate() {
		Handovers handovers = run(1, "epoll", true);
		assertThat(handovers.report().failures()).as("failed requests, by kind").isEmpty();
		assertThat(handovers.modes()).containsOnly("sockets");
		assertThat(handovers.logs())
			.allSatisfy((log) -> assertThat(log).contains("tcp_migrate_req=1").doesNotContain(MIGRATION_WARNING));
	}

	@Test
	void rollingRestartsOnIoUringJoinThePortAndFailNoRequestWhenQueuedConnectionsMigrate() {
		Prerequisites.require(IoUring.isAvailable(), "io_uring is unavailable: " + IoUring.unavailabilityCause());
		Handovers handovers = run(1, "io_uring", true);
		assertThat(handovers.report().failures()).as("failed requests, by kind").isEmpty();
		// io_uring listeners cannot adopt sockets: the script falls back to joining
		assertThat(handovers.modes()).containsOnly("joined");
		assertThat(handovers.logs()).allSatisfy(
				(log) -> assertThat(log).contains("SO_REUSEPORT io_uring listeners").contains("tcp_migrate_req=1"));
	}

	@Test
	void rollingRestartsUnderLoadByJoiningWithoutMigrationAreMeasuredForComparison() {
		Handovers handovers = run(0, "epoll", false);
		// Recorded, not asserted: connections queued on a closing listener are reset
		assertThat(handovers.modes()).containsOnly("joined");
		assertThat(handovers.logs()).allSatisfy((log) -> assertThat(log).contains(MIGRATION_WARNING));
	}

	/**
	 * Start process A, put it under load, then hand the port over {@link #HANDOVERS}
	 * times (A to B, B to A', A' to B'), passing the listening sockets over a handover
	 * socket or not, and check what holds whatever the sysctl.
	 */
	private Handovers run(int tcpMigrateReq, String transport, boolean passSockets) {
		Prerequisites.requireRoot("Creating a network namespace");
		Path jar = Path.of(System.getProperty("sample.jar")).toAbsolutePath();
		String run = "tcp_migrate_req-" + tcpMigrateReq + ("epoll".equals(transport) ? "" : "-" + transport)
				+ (passSockets ? "-sockets" : "-joined");
		Path logs = jar.resolveSibling("handover").resolve(run);
		List<Long> pids = new ArrayList<>();
		List<String> logFiles = new ArrayList<>();
		List<String> modes = new ArrayList<>();
		String name = "reuseport-handover-" + ProcessHandle.current().pid() + "-" + tcpMigrateReq;
		try (NetworkNamespace namespace = NetworkNamespace.create(name)) {
			// A short path, as a Unix domain socket's must be
			String socket = passSockets ? Files.createTempDirectory("handover").resolve("handover.sock").toString()
					: "";
			Restarts restarts = new Restarts(namespace, jar, logs, transport, socket, pids, logFiles, modes);
			namespace.sysctl("net.ipv4.tcp_migrate_req", tcpMigrateReq);
			try {
				Report report;
				restarts.startNext();
				try (LoadProcess load = LoadProcess.start(namespace, logs.resolve("load.log"))) {
					load.awaitAnswersFrom(pids.get(0));
					for (int i = 0; i < HANDOVERS; i++) {
						restarts.startNext();
						load.awaitAnswersFrom(pids.get(pids.size() - 1));
					}
					report = load.finish();
				}
				stop(pids);
				Handovers handovers = new Handovers(report, pids,
						logFiles.stream().map(HandoverIntegrationTests::read).toList(), modes);
				String summary = ("Handover on %s with tcp_migrate_req=%d by %s: %d handovers, %d requests, %d failed "
						+ "%s, answers by pid %s")
					.formatted(transport, tcpMigrateReq, modes, HANDOVERS, report.requests(), report.failed(),
							report.failures(), report.answersByPid());
				System.out.println(summary);
				Files.writeString(logs.resolve("summary.txt"), summary + System.lineSeparator());
				assertThat(report.answersByPid()).as("answers by pid").containsOnlyKeys(pids);
				assertThat(handovers.logs().subList(0, HANDOVERS)).as("logs of the replaced processes")
					.allSatisfy((log) -> assertThat(log).contains("Graceful shutdown complete"));
				return handovers;
			}
			finally {
				stop(pids);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Runs the rolling-restart script, which starts the next process, waits until it is
	 * up and stops the previous one, if any.
	 */
	private record Restarts(NetworkNamespace namespace, Path jar, Path logs, String transport, String socket,
			List<Long> pids, List<String> logFiles, List<String> modes) {

		private static final Pattern MODE = Pattern.compile("(?m)^handover=(\\S+)$");

		void startNext() {
			Path script = this.jar.getParent().resolveSibling("scripts").resolve("rolling-restart.sh");
			List<String> command = new ArrayList<>(List.of("bash", script.toString()));
			if (!this.pids.isEmpty()) {
				command.addAll(List.of("--old", String.valueOf(this.pids.get(this.pids.size() - 1))));
			}
			command.add("--");
			command.addAll(APPLICATION_ARGUMENTS);
			command.add("--reuseport.transport=" + this.transport);
			String output = Commands.run(this.namespace.command(command), null,
					Map.of("SAMPLE_JAR", this.jar.toString(), "LOG_DIR", this.logs.toString(), "JAVA_OPTS", JAVA_OPTS,
							"JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
							"HANDOVER_SOCKET", this.socket),
					TIMEOUT.multipliedBy(2));
			Matcher started = STARTED.matcher(output);
			assertThat(started.find()).as("output of %s:%n%s", command, output).isTrue();
			this.pids.add(Long.parseLong(started.group(1)));
			this.logFiles.add(started.group(2));
			Matcher mode = MODE.matcher(output);
			if (mode.find()) {
				this.modes.add(mode.group(1));
			}
		}

	}

	/**
	 * Stop, with SIGTERM, the processes that the script started and that still run.
	 */
	private static void stop(List<Long> pids) {
		for (long pid : pids) {
			ProcessHandle.of(pid).ifPresent((process) -> {
				process.destroy();
				try {
					process.onExit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
				}
				catch (Exception ex) {
					process.destroyForcibly();
				}
			});
		}
	}

	private static String read(String file) {
		try {
			return Files.readString(Path.of(file));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * What a run of handovers produced.
	 *
	 * @param report the load client's final report
	 * @param pids the processes, in the order they started
	 * @param logs their output, in the same order
	 * @param modes how each handover went, as the script says: {@code sockets} or
	 * {@code joined}
	 */
	record Handovers(Report report, List<Long> pids, List<String> logs, List<String> modes) {

	}

	/**
	 * {@link HandoverLoadClient} in its own JVM inside the namespace. Closing its
	 * standard input ends the load.
	 */
	private static final class LoadProcess implements AutoCloseable {

		private final Process process;

		private final Path output;

		private LoadProcess(Process process, Path output) {
			this.process = process;
			this.output = output;
		}

		static LoadProcess start(NetworkNamespace namespace, Path output) throws IOException {
			List<String> command = namespace.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-cp", System.getProperty("java.class.path"), HandoverLoadClient.class.getName(),
					String.valueOf(PORT), String.valueOf(CLIENTS), String.valueOf(MAX_REQUESTS),
					String.valueOf(MAX_LOAD.toSeconds()));
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.redirectInput(Redirect.PIPE)
				.start();
			return new LoadProcess(process, output);
		}

		/**
		 * Wait until the process {@code pid} has answered a request.
		 */
		void awaitAnswersFrom(long pid) {
			await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
				assertThat(this.process.isAlive()).as("load client running; output in %s", this.output).isTrue();
				Report report = Report.lastIn(Files.readAllLines(this.output, StandardCharsets.UTF_8));
				assertThat(report).isNotNull();
				assertThat(report.answersByPid()).as("answers by pid").containsKey(pid);
			});
		}

		/**
		 * End the load and return the final report.
		 */
		Report finish() throws IOException {
			this.process.getOutputStream().close();
			await().atMost(TIMEOUT).until(() -> !this.process.isAlive());
			Report report = Report.lastIn(Files.readAllLines(this.output, StandardCharsets.UTF_8));
			assertThat(report).as("final report in %s", this.output).isNotNull();
			assertThat(report.last()).as("final report in %s", this.output).isTrue();
			return report;
		}

		@Override
		public void close() {
			this.process.destroyForcibly();
		}

	}

}
