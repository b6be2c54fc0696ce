package dev.reuseport.sample;

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
	void bothProcessesAcceptConnectionsOnTheSamePort() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess first = start("two-processes-first", port);
				SampleProcess second = start("two-processes-second", port, "--reuseport.join-existing=true")) {
			first.awaitStarted(STARTUP_TIMEOUT);
			second.awaitStarted(STARTUP_TIMEOUT);
			assertThat(ListeningSockets.count(port)).isEqualTo(2 * LISTENERS_PER_PROCESS);
			Set<Long> pids = Set.of(first.pid(), second.pid());
			Set<Long> pidsSeen = new TreeSet<>();
			long deadline = System.nanoTime() + CONNECTIONS_TIMEOUT.toNanos();
			for (int i = 0; i < MAX_CONNECTIONS && !pidsSeen.containsAll(pids)
					&& System.nanoTime() - deadline < 0; i++) {
				WhoAmI whoAmI = SampleAppSupport.whoAmI(port);
				assertThat(whoAmI.pid()).isIn(pids);
				assertThat(whoAmI.listener()).isBetween(0, LISTENERS_PER_PROCESS - 1);
				assertThat(whoAmI.loop()).isEqualTo(SampleAppSupport.LOOP_PREFIX + whoAmI.listener());
				pidsSeen.add(whoAmI.pid());
			}
			assertThat(pidsSeen).as("pids that answered").containsExactlyInAnyOrderElementsOf(pids);
		}
	}

	private SampleProcess start(String name, int port, String... arguments) {
		List<String> all = new ArrayList<>(List.of("--server.port=" + port, "--server.address=" + SampleAppSupport.HOST,
				"--management.server.port=0", "--management.server.address=" + SampleAppSupport.HOST,
				"--reuseport.listeners=" + LISTENERS_PER_PROCESS));
		all.addAll(List.of(arguments));
		return SampleProcess.start(name, List.of(), all.toArray(String[]::new));
	}

}
