package dev.reuseport.server;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot's own analyzer of a {@link PortInUseException}, which is package-private,
 * for tests that check that the starter's analyzers come before it.
 */
final class SpringBootsPortInUseAnalyzer {

	private SpringBootsPortInUseAnalyzer() {
	}

	/**
	 * Return the analysis of a failure by the first of the starter's analyzer and Spring
	 * Boot's that explains it, sorted as {@code FailureAnalyzers} sorts them, with Spring
	 * Boot's first before the sort, as a class path could load them.
	 * @param starters the starter's analyzer
	 * @param failure the failure
	 * @return the analysis
	 * @throws ReflectiveOperationException if Spring Boot no longer has its analyzer
	 */
	static FailureAnalysis firstAnalysis(FailureAnalyzer starters, Throwable failure)
			throws ReflectiveOperationException {
		List<FailureAnalyzer> analyzers = new ArrayList<>(List.of(create(), starters));
		AnnotationAwareOrderComparator.sort(analyzers);
		return analyzers.stream()
			.map((analyzer) -> analyzer.analyze(failure))
			.filter(Objects::nonNull)
			.findFirst()
			.orElseThrow();
	}

	private static FailureAnalyzer create() throws ReflectiveOperationException {
		Constructor<? extends FailureAnalyzer> constructor = Class
			.forName("org.springframework.boot.web.server.PortInUseFailureAnalyzer")
			.asSubclass(FailureAnalyzer.class)
			.getDeclaredConstructor();
		constructor.setAccessible(true);
		FailureAnalyzer analyzer = constructor.newInstance();
		assertThat(analyzer.analyze(new PortInUseException(8080))).isNotNull();
		return analyzer;
	}

}
