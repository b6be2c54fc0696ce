package dev.reuseport.server;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportBindFailureAnalyzer}.
 */
class ReuseportBindFailureAnalyzerTests {

	@Test
	void explainsTheFailureBeforeSpringBootsPortInUseAnalyzerWhateverTheirLoadOrder() throws Exception {
		ReuseportBindException failure = new ReuseportBindException(8080, 1, new IOException("Address already in use"));
		FailureAnalysis analysis = SpringBootsPortInUseAnalyzer.firstAnalysis(new ReuseportBindFailureAnalyzer(),
				failure);
		assertThat(analysis.getDescription())
			.startsWith("Web server failed to start. Reuseport listener 1 could not bind port 8080.");
	}

}
