package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SystemdSockets}: which environments pass sockets to this process. The
 * adoption of passed sockets is tested end to end with {@code systemd-socket-activate} in
 * the sample application, since only a launcher can put them at descriptor 3.
 */
class SystemdSocketsTests {

	private static final long PID = 4242;

	private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 8080);

	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(Pattern.compile("(?s).*"), ReuseportWebServer.class);

	@Test
	void socketsPassedToThisProcessAreCounted() {
		assertThat(SystemdSockets.count(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "3"), PID)).isEqualTo(3);
	}

	@Test
	void socketsPassedToAnotherProcessAreNotThisOnes() {
		// Such as the shell that started the JVM, whose environment the JVM inherited
		assertThat(SystemdSockets.count(Map.of("LISTEN_PID", "4241", "LISTEN_FDS", "3"), PID)).isZero();
		assertThat(SystemdSockets.claim(ADDRESS, Map.of("LISTEN_PID", "4241", "LISTEN_FDS", "3"), PID)).isEmpty();
	}

	@Test
	void noSocketIsPassedWithoutTheVariables() {
		assertThat(SystemdSockets.count(Map.of(), PID)).isZero();
		assertThat(SystemdSockets.count(Map.of("LISTEN_FDS", "2"), PID)).isZero();
		assertThat(this.logs.messages(Level.WARN)).isEmpty();
	}

	@Test
	void malformedVariablesPassNoSocketAndSaySo() {
		assertThat(SystemdSockets.count(Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "two"), PID)).isZero();
		assertThat(this.logs.messages(Level.WARN)).containsExactly(
				"Ignored the sockets that systemd passed: LISTEN_PID or LISTEN_FDS is no number (4242, two)");
	}

}
