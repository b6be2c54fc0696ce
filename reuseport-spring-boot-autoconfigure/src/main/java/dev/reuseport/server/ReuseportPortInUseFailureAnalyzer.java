package dev.reuseport.server;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.annotation.Order;

/**
 * Explains a {@link ReuseportPortInUseException} in Spring Boot's words for a port in
 * use, then says who holds the port and how to share it on purpose. Ordered first, since
 * the exception is also a {@code PortInUseException}, which Spring Boot's own analyzer
 * would explain without the choice to join.
 */
@Order(0)
class ReuseportPortInUseFailureAnalyzer extends AbstractFailureAnalyzer<ReuseportPortInUseException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ReuseportPortInUseException cause) {
		int port = cause.getPort();
		String description = "Web server failed to start. Port %d was already in use: %s.".formatted(port,
				cause.holders());
		String action = ("Identify and stop the process that's listening on port %d or configure this application to "
				+ "listen on another port. If this process is meant to share the port with it, as the new process of a "
				+ "handover is, start it with reuseport.join-existing=true (both must use SO_REUSEPORT and run as the "
				+ "same user).")
			.formatted(port);
		return new FailureAnalysis(description, action, cause);
	}

}
