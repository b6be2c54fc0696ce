package dev.reuseport.server;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.reuseport.test.CapturedLogs;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetriedFailureLog}.
 */
class RetriedFailureLogTests {

	@Test
	void failuresRetriedWithinTheIntervalAreOneWarning() {
		RetriedFailureLog log = new RetriedFailureLog(LogFactory.getLog(RetriedFailureLogTests.class),
				Duration.ofHours(1));
		try (CapturedLogs output = CapturedLogs.capture(RetriedFailureLogTests.class)) {
			for (int attempt = 0; attempt < 20; attempt++) {
				log.failed("Could not withdraw listener 3", new IOException("shutdown failed"));
			}
			assertThat(output.text().split("Could not withdraw listener 3", -1)).hasSize(2);
			assertThat(output.text()).contains("java.io.IOException: shutdown failed");
		}
	}

	@Test
	void nextWarningCountsTheFailuresLoggedAtDebug() {
		AtomicLong now = new AtomicLong(1);
		RetriedFailureLog log = new RetriedFailureLog(LogFactory.getLog(RetriedFailureLogTests.class),
				Duration.ofNanos(10), now::get);
		try (CapturedLogs output = CapturedLogs.capture(RetriedFailureLogTests.class)) {
			for (int attempt = 0; attempt < 4; attempt++) {
				log.failed("Could not withdraw listener 3", new IOException("shutdown failed"));
				now.addAndGet(3);
			}
			assertThat(output.text()).doesNotContain("Could not withdraw listener 3 (");
			log.failed("Could not withdraw listener 3", new IOException("shutdown failed"));
			assertThat(output.text())
				.contains("Could not withdraw listener 3 (3 failures since the last warning were logged at DEBUG)");
		}
	}

}
