package dev.reuseport.server;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link ReuseportHttp3Exception}: what keeps the server from serving HTTP/3,
 * how to fix it, and that without {@code reuseport.required} the server would have served
 * HTTP/1.1 and HTTP/2 alone.
 */
class ReuseportHttp3FailureAnalyzer extends AbstractFailureAnalyzer<ReuseportHttp3Exception> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ReuseportHttp3Exception cause) {
		return new FailureAnalysis(
				"Web server failed to start: HTTP/3 is enabled (reuseport.http3.enabled=true) and "
						+ "required (reuseport.required=true), but " + cause.getReason() + ".",
				cause.getAction() + ". Or set reuseport.required=false to serve HTTP/1.1 and HTTP/2 alone, with one "
						+ "warning, when HTTP/3 cannot be served.",
				cause);
	}

}
