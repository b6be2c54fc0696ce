package dev.reuseport.server;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetriedFailureLog}.
 */
@ExtendWith(OutputCaptureExtension.class)
class RetriedFailureLogTests {

	@Test
	void failuresRetriedWithinTheIntervalAreOneWarning(CapturedOutput output) {
		RetriedFailureLog log = new RetriedFailureLog(LogFactory.getLog(RetriedFailureLogTests.class),
				Duration.ofHours(1));
		for (int attempt = 0; attempt < 20; attempt++) {
			log.failed("Could not withdraw listener 3", new IOException("shutdown failed"));
		}
		assertThat(output.toString().split("Could not withdraw listener 3", -1)).hasSize(2);
		assertThat(output).contains("java.io.IOException: shutdown failed");
	}

	@Test
	void nextWarningCountsTheFailuresLoggedAtDebug(CapturedOutput output) {
		AtomicLong now = new AtomicLong(1);
		RetriedFailureLog log = new RetriedFailureLog(LogFactory.getLog(RetriedFailureLogTests.class),
				Duration.ofNanos(10), now::get);
		for (int attempt = 0; attempt < 4; attempt++) {
			log.failed("Could not withdraw listener 3", new IOException("shutdown failed"));
			now.addAndGet(3);
		}
		assertThat(output).doesNotContain("Could not withdraw listener 3 (");
		log.failed("Could not withdraw listener 3", new IOException("shutdown failed"));
		assertThat(output)
			.contains("Could not withdraw listener 3 (3 failures since the last warning were logged at DEBUG)");
	}

}
