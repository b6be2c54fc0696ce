package dev.reuseport.server;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.annotation.Order;

/**
 * Explains a {@link ReuseportBindException}: the two ways a SO_REUSEPORT port can be
 * refused, and how to fix each. Ordered first, since the exception is also a
 * {@code PortInUseException}, which Spring Boot's own analyzer would explain in general
 * terms, whatever the order of the jars on the class path.
 */
@Order(0)
class ReuseportBindFailureAnalyzer extends AbstractFailureAnalyzer<ReuseportBindException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ReuseportBindException cause) {
		int port = cause.getPort();
		String description = ("Web server failed to start. Reuseport listener %d could not bind port %d. "
				+ "Either another socket holds port %d without SO_REUSEPORT (a server without reuseport, "
				+ "or any other program), or a process running as another user holds it with SO_REUSEPORT.")
			.formatted(cause.getListener(), port, port);
		String action = ("Identify the process listening on port %d (for example with "
				+ "'ss -ltnp sport = :%d'). Every process that shares a port must enable SO_REUSEPORT "
				+ "(for this starter, reuseport.enabled=true) and run as the same user. Otherwise stop that "
				+ "process or configure this application to listen on another port with server.port.")
			.formatted(port, port);
		return new FailureAnalysis(description, action, cause);
	}

}
