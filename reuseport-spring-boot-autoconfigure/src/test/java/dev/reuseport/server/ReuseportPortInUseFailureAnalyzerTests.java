package dev.reuseport.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportPortInUseFailureAnalyzer}.
 */
class ReuseportPortInUseFailureAnalyzerTests {

	@Test
	void explainsInSpringBootsWordsThenNamesTheHoldersAndTheChoiceToJoin() throws Exception {
		// Spring Boot's analyzer first, as a class path could load them; sorted as
		// FailureAnalyzers sorts them
		List<FailureAnalyzer> analyzers = new ArrayList<>(
				List.of(SpringBootsPortInUseAnalyzer.create(), new ReuseportPortInUseFailureAnalyzer()));
		AnnotationAwareOrderComparator.sort(analyzers);
		ReuseportPortInUseException failure = new ReuseportPortInUseException(8080, 4, Set.of(4321L));
		FailureAnalysis analysis = analyzers.stream()
			.map((analyzer) -> analyzer.analyze(failure))
			.filter(Objects::nonNull)
			.findFirst()
			.orElseThrow();
		assertThat(analysis.getDescription()).isEqualTo(
				"Web server failed to start. Port 8080 was already in use: 4 sockets listen on it (held by process 4321).");
		assertThat(analysis.getAction())
			.startsWith("Identify and stop the process that's listening on port 8080 or configure this application "
					+ "to listen on another port.")
			.contains("start it with reuseport.join-existing=true");
	}

}
