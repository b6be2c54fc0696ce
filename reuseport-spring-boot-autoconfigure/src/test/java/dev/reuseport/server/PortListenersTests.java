package dev.reuseport.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests for {@link PortListeners}, against sockets that the tests open.
 */
class PortListenersTests {

	private static final long PID = ProcessHandle.current().pid();

	@Test
	void findsAListenerOnTheSameAddressAndTheProcessThatHoldsIt() throws IOException {
		try (ServerSocket socket = listen("127.0.0.1")) {
			PortListeners listeners = PortListeners.on(address("127.0.0.1", socket.getLocalPort()));
			assertThat(listeners.count()).isOne();
			assertThat(listeners.pids()).containsExactly(PID);
		}
	}

	@Test
	void ignoresAListenerOnAnotherAddressOfTheSamePort() throws IOException {
		try (ServerSocket socket = listen("127.0.0.1")) {
			assertNone(PortListeners.on(address("127.0.0.2", socket.getLocalPort())));
		}
	}

	@Test
	void theWildcardAddressClashesWithEveryAddressOfThePort() throws IOException {
		try (ServerSocket socket = listen("127.0.0.1")) {
			assertThat(PortListeners.on(new InetSocketAddress(socket.getLocalPort())).count()).isOne();
		}
	}

	@Test
	void decodesTheAddressesOfTheIpv6Table() throws IOException {
		assumeTrue(Files.isReadable(Path.of("/proc/net/tcp6")), "IPv6 is enabled");
		try (ServerSocket socket = listen("::1")) {
			int port = socket.getLocalPort();
			assertThat(PortListeners.on(address("::1", port)).count()).isOne();
			assertThat(PortListeners.on(address("127.0.0.1", port)).count()).isZero();
		}
	}

	@Test
	void noListenerOnAFreePort() throws IOException {
		int port;
		try (ServerSocket socket = listen("127.0.0.1")) {
			port = socket.getLocalPort();
		}
		assertNone(PortListeners.on(address("127.0.0.1", port)));
		assertNone(PortListeners.on(new InetSocketAddress(port)));
	}

	@Test
	void describesTheProcessesThatHoldTheSockets() {
		assertThat(PortListeners.heldBy(Set.of(34L, 12L))).isEqualTo(" (held by process 12, 34)");
		assertThat(PortListeners.heldBy(Set.of())).isEmpty();
	}

	private static void assertNone(PortListeners listeners) {
		assertThat(listeners.count()).isZero();
		assertThat(listeners.pids()).isEmpty();
	}

	private static ServerSocket listen(String host) throws IOException {
		ServerSocket socket = new ServerSocket();
		socket.bind(address(host, 0));
		return socket;
	}

	private static InetSocketAddress address(String host, int port) throws IOException {
		return new InetSocketAddress(InetAddress.getByName(host), port);
	}

}
