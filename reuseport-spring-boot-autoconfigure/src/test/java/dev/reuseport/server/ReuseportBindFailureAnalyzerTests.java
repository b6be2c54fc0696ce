package dev.reuseport.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportBindFailureAnalyzer}.
 */
class ReuseportBindFailureAnalyzerTests {

	@Test
	void explainsTheFailureBeforeSpringBootsPortInUseAnalyzerWhateverTheirLoadOrder() throws Exception {
		// Spring Boot's analyzer first, as a class path could load them; sorted as
		// FailureAnalyzers sorts them
		List<FailureAnalyzer> analyzers = new ArrayList<>(
				List.of(SpringBootsPortInUseAnalyzer.create(), new ReuseportBindFailureAnalyzer()));
		AnnotationAwareOrderComparator.sort(analyzers);
		ReuseportBindException failure = new ReuseportBindException(8080, 1, new IOException("Address already in use"));
		FailureAnalysis analysis = analyzers.stream()
			.map((analyzer) -> analyzer.analyze(failure))
			.filter(Objects::nonNull)
			.findFirst()
			.orElseThrow();
		assertThat(analysis.getDescription())
			.startsWith("Web server failed to start. Reuseport listener 1 could not bind port 8080.");
	}

}
