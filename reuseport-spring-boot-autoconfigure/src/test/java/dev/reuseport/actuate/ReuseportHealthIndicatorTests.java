package dev.reuseport.actuate;

import java.util.List;

import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.server.TestListeners;
import dev.reuseport.test.OpenFilesLimit;
import dev.reuseport.test.Sysctl;
import dev.reuseport.test.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for {@link ReuseportHealthIndicator}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReuseportHealthIndicatorTests {

	@Test
	void healthIsUpWithDetailsWhenEveryListenerIsOpen() {
		ReuseportWebServer server = TestServers.start(2);
		try {
			Health health = new ReuseportHealthIndicator(() -> server).health(true);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails())
				.containsOnlyKeys("port", "listeners", "openListeners", "withdrawnListeners", "stallRelief",
						"openFiles", "openFilesLimit")
				.contains(entry("port", server.getPort()), entry("listeners", 2), entry("openListeners", 2),
						entry("withdrawnListeners", List.of()), entry("stallRelief", expectedStallRelief()),
						entry("openFilesLimit", OpenFilesLimit.soft()));
			assertThat((long) health.getDetails().get("openFiles")).isBetween(1L, OpenFilesLimit.soft());
		}
		finally {
			server.stop();
		}
	}

	@Test
	void healthIsDownWithTheClosedListenersWithoutLoggingOnEachCheck(CapturedOutput output) {
		ReuseportWebServer server = TestServers.start(3);
		try {
			TestListeners.closeSocket(server.getListeners().get(1));
			ReuseportHealthIndicator indicator = new ReuseportHealthIndicator(() -> server);
			for (int check = 0; check < 3; check++) {
				Health health = indicator.health(true);
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(health.getDetails())
					.containsOnlyKeys("closedListeners", "port", "listeners", "openListeners", "withdrawnListeners",
							"stallRelief", "openFiles", "openFilesLimit")
					.contains(entry("closedListeners", List.of(1)), entry("port", server.getPort()),
							entry("listeners", 3), entry("openListeners", 2), entry("withdrawnListeners", List.of()),
							entry("stallRelief", expectedStallRelief()));
			}
			// Health reports health: whoever polls it decides what to log
			assertThat(output).doesNotContain("ReuseportHealthIndicator");
		}
		finally {
			server.stop();
		}
	}

	/**
	 * Relief is active on epoll where the kernel migrates queued connections, read with
	 * {@code sysctl} rather than with the starter's own reader.
	 */
	private static String expectedStallRelief() {
		return "1".equals(Sysctl.value("net.ipv4.tcp_migrate_req")) ? "active" : "inactive";
	}

	@Test
	void healthIsUnknownOnceTheServerHasStopped() {
		ReuseportWebServer server = TestServers.start(1);
		server.stop();
		Health health = new ReuseportHealthIndicator(() -> server).health(true);
		assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
		assertThat(health.getDetails()).containsOnly(entry("reason", "No reuseport web server is running"));
	}

	@Test
	void healthIsUnknownWithoutAReuseportServer() {
		Health health = new ReuseportHealthIndicator(() -> null).health(true);
		assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
		assertThat(health.getDetails()).containsOnly(entry("reason", "No reuseport web server is running"));
	}

}
