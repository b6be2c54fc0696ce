package dev.reuseport.server;

import java.net.InetAddress;
import java.net.ServerSocket;

import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.Transports;
import io.netty.channel.unix.Errors.NativeIoException;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.PortInUseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Integration tests for {@link ReuseportBindFailureAnalyzer}, fed by real bind failures.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReuseportBindFailureAnalyzerIntegrationTests {

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void explainsAPortHeldBySocketWithoutReuseport(ListenerTransport transport, CapturedOutput output)
			throws Exception {
		try (ServerSocket plainSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			int port = plainSocket.getLocalPort();
			Throwable failure;
			String report;
			try (CapturedLogs logs = CapturedLogs.startupFailure()) {
				// Joining is what a plain socket refuses; without it, the start fails as
				// Spring Boot's does
				failure = catchThrowable(() -> TestApplication.run(Transports.use(transport), "server.port=" + port,
						"reuseport.listeners=2", "reuseport.join-existing=true"));
				report = logs.text();
			}
			assertThat(failure).rootCause()
				.isInstanceOf(NativeIoException.class)
				.hasMessageContaining("Address already in use");
			// Spring Boot's own exception for a port clash, so that code that handles it
			// handles this one too
			PortInUseException portInUse = findCause(failure, PortInUseException.class);
			assertThat(portInUse).isInstanceOf(ReuseportBindException.class);
			assertThat(portInUse.getPort()).isEqualTo(port);
			assertThat(portInUse).hasMessage("Reuseport listener 0 could not bind port " + port
					+ ": the port is held by a socket without SO_REUSEPORT or by a process of another user");
			FailureAnalysis analysis = new ReuseportBindFailureAnalyzer().analyze(failure);
			assertThat(analysis.getCause()).isInstanceOfSatisfying(ReuseportBindException.class, (bindException) -> {
				assertThat(bindException.getPort()).isEqualTo(port);
				assertThat(bindException.getListener()).isZero();
			});
			assertThat(analysis.getDescription()).isEqualTo(("Web server failed to start. Reuseport listener 0 could "
					+ "not bind port %d. Either another socket holds port %d without SO_REUSEPORT (a server without "
					+ "reuseport, or any other program), or a process running as another user holds it with "
					+ "SO_REUSEPORT.")
				.formatted(port, port));
			assertThat(analysis.getAction()).isEqualTo(("Identify the process listening on port %d (for example with "
					+ "'ss -ltnp sport = :%d'). Every process that shares a port must enable SO_REUSEPORT (for this "
					+ "starter, reuseport.enabled=true) and run as the same user. Otherwise stop that process or "
					+ "configure this application to listen on another port with server.port.")
				.formatted(port, port));
			// Registered in spring.factories, so Spring Boot reports it at startup
			assertThat(report).contains("APPLICATION FAILED TO START")
				.contains("Reuseport listener 0 could not bind port " + port);
			assertThat(output).doesNotContain("APPLICATION FAILED TO START");
		}
	}

	private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		throw new AssertionError("No " + type.getSimpleName() + " in " + failure);
	}

}
