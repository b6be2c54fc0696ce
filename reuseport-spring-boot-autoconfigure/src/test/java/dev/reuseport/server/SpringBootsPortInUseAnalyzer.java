package dev.reuseport.server;

import java.lang.reflect.Constructor;

import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.web.server.PortInUseException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot's own analyzer of a {@link PortInUseException}, which is package-private,
 * for tests that check that the starter's analyzers come before it.
 */
final class SpringBootsPortInUseAnalyzer {

	private SpringBootsPortInUseAnalyzer() {
	}

	/**
	 * Create Spring Boot's analyzer, checking that it would explain a port in use.
	 * @return the analyzer
	 * @throws ReflectiveOperationException if Spring Boot no longer has it
	 */
	static FailureAnalyzer create() throws ReflectiveOperationException {
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
