package dev.reuseport.server;

import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportPortInUseFailureAnalyzer}.
 */
class ReuseportPortInUseFailureAnalyzerTests {

	@Test
	void explainsInSpringBootsWordsThenNamesTheHoldersAndTheChoiceToJoin() throws Exception {
		ReuseportPortInUseException failure = new ReuseportPortInUseException(8080, 4, Set.of(4321L));
		FailureAnalysis analysis = SpringBootsPortInUseAnalyzer.firstAnalysis(new ReuseportPortInUseFailureAnalyzer(),
				failure);
		assertThat(analysis.getDescription()).isEqualTo(
				"Web server failed to start. Port 8080 was already in use: 4 sockets listen on it (held by process 4321).");
		assertThat(analysis.getAction())
			.startsWith("Identify and stop the process that's listening on port 8080 or configure this application "
					+ "to listen on another port.")
			.contains("start it with reuseport.join-existing=true");
	}

}
