package dev.reuseport.sample;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import dev.reuseport.sample.SampleAppSupport.SampleProcess;
import dev.reuseport.sample.SampleAppSupport.WhoAmI;
import dev.reuseport.test.ListeningSockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for two processes of the sample application that share one port, each
 * with its own SO_REUSEPORT listeners, as in a rolling restart.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TwoProcessesIntegrationTests {

	private static final int LISTENERS_PER_PROCESS = 2;

	private static final int MAX_CONNECTIONS = 2000;

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

	private static final Duration CONNECTIONS_TIMEOUT = Duration.ofSeconds(60);

	@Test
	void aSecondProcessThatAsksToJoinSharesThePort() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess first = start("two-processes-first", port)) {
			first.awaitStarted(STARTUP_TIMEOUT);
			try (SampleProcess second = start("two-processes-second", port, "--reuseport.join-existing=true")) {
				second.awaitStarted(STARTUP_TIMEOUT);
				assertThat(second.output())
					.contains("Joined %d SO_REUSEPORT listeners already on port %d (held by process %d)"
						.formatted(LISTENERS_PER_PROCESS, port, first.pid()));
				assertThat(ListeningSockets.count(port)).isEqualTo(2 * LISTENERS_PER_PROCESS);
				Set<Long> pids = Set.of(first.pid(), second.pid());
				assertThat(pidsThatAnswer(port, pids)).as("pids that answered")
					.containsExactlyInAnyOrderElementsOf(pids);
			}
		}
	}

	@Test
	void aSecondProcessThatDoesNotAskToJoinIsRefusedAndTheFirstKeepsThePort() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess first = start("two-processes-holder", port)) {
			first.awaitStarted(STARTUP_TIMEOUT);
			try (SampleProcess second = start("two-processes-stale", port)) {
				assertThat(second.awaitExit(STARTUP_TIMEOUT)).isNotZero();
				assertThat(second.output()).contains("APPLICATION FAILED TO START")
					.contains("Port %d was already in use".formatted(port))
					.contains("reuseport.join-existing=true");
			}
			assertThat(ListeningSockets.count(port)).isEqualTo(LISTENERS_PER_PROCESS);
			assertThat(pidsThatAnswer(port, Set.of(first.pid()))).containsExactly(first.pid());
		}
	}

	@Test
	void aSecondProcessTakesTheSocketsOverTheHandoverSocketAndTheFirstExits(@TempDir Path directory) {
		int port = SampleAppSupport.freePort();
		String handover = "--reuseport.handover.socket=" + directory.resolve("handover.sock");
		try (SampleProcess first = start("handover-first", port, handover)) {
			first.awaitStarted(STARTUP_TIMEOUT);
			List<String> sockets = ListeningSockets.inodes(port);
			try (SampleProcess second = start("handover-second", port, handover)) {
				second.awaitStarted(STARTUP_TIMEOUT);
				assertThat(second.output())
					.contains("Adopted %d SO_REUSEPORT listeners on /%s:%d from process %d over the handover socket"
						.formatted(LISTENERS_PER_PROCESS, SampleAppSupport.HOST, port, first.pid()));
				// The first process exits by itself, having drained, and leaves the very
				// same sockets to the second
				assertThat(first.awaitExitOnItsOwn(STARTUP_TIMEOUT)).isZero();
				assertThat(first.output())
					.contains("Handed %d SO_REUSEPORT listeners on /%s:%d over to process %d"
						.formatted(LISTENERS_PER_PROCESS, SampleAppSupport.HOST, port, second.pid()))
					.contains("Process %d has taken the listening sockets over: closing the application context"
						.formatted(second.pid()))
					.contains("Graceful shutdown complete");
				assertThat(ListeningSockets.inodes(port)).containsExactlyInAnyOrderElementsOf(sockets);
				assertThat(pidsThatAnswer(port, Set.of(second.pid()))).containsExactly(second.pid());
			}
		}
	}

	private static Set<Long> pidsThatAnswer(int port, Set<Long> expected) {
		Set<Long> pidsSeen = new TreeSet<>();
		long deadline = System.nanoTime() + CONNECTIONS_TIMEOUT.toNanos();
		for (int i = 0; i < MAX_CONNECTIONS && !pidsSeen.containsAll(expected)
				&& System.nanoTime() - deadline < 0; i++) {
			WhoAmI whoAmI = SampleAppSupport.whoAmI(port);
			assertThat(whoAmI.pid()).isIn(expected);
			assertThat(whoAmI.listener()).isBetween(0, LISTENERS_PER_PROCESS - 1);
			assertThat(whoAmI.loop()).isEqualTo(SampleAppSupport.LOOP_PREFIX + whoAmI.listener());
			pidsSeen.add(whoAmI.pid());
		}
		return pidsSeen;
	}

	private SampleProcess start(String name, int port, String... arguments) {
		List<String> all = new ArrayList<>(List.of("--server.port=" + port, "--server.address=" + SampleAppSupport.HOST,
				"--management.server.port=0", "--management.server.address=" + SampleAppSupport.HOST,
				"--reuseport.listeners=" + LISTENERS_PER_PROCESS));
		all.addAll(List.of(arguments));
		return SampleProcess.start(name, List.of(), all.toArray(String[]::new));
	}

}
