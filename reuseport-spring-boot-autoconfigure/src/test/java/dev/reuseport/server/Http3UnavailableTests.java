package dev.reuseport.server;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.reuseport.test.ForkedApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Http3Unavailable}: each reason that keeps a server from serving
 * HTTP/3, with its fix; a missing native library in an application of its own whose
 * classpath lacks the jars.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class Http3UnavailableTests {

	private static final String NATIVE_JARS = "netty-codec-native-quic";

	private static final String CLASSES_JAR = "netty-codec-classes-quic";

	@TempDir
	Path output;

	@Test
	void nothingKeepsAnEpollServerWithTlsFromHttp3Here() {
		assertThat(Http3Unavailable.beforeBuild(true, getClass().getClassLoader())).isNull();
		assertThat(Http3Unavailable.transport(ListenerTransport.EPOLL)).isNull();
	}

	@Test
	void noTlsNamesTheSslProperties() {
		assertThat(Http3Unavailable.beforeBuild(false, getClass().getClassLoader()).message())
			.isEqualTo("HTTP/3 is off: QUIC needs TLS and the server has none. Set server.ssl.bundle, or "
					+ "server.ssl.certificate and server.ssl.certificate-private-key, or server.ssl.key-store");
	}

	@Test
	void ioUringNamesTheTransportToSet() {
		assertThat(Http3Unavailable.transport(ListenerTransport.IO_URING).message()).isEqualTo(
				"HTTP/3 is off: its UDP sockets are served on epoll loops only, and reuseport.transport is io_uring. "
						+ "Set reuseport.transport=epoll");
	}

	@Test
	void aPortInUseNamesTheProcessThatHoldsIt() throws Exception {
		try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
			InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
			assertThat(Http3Unavailable.portInUse(address, PortListeners.udp(address), null).message())
				.startsWith("HTTP/3 is off: UDP port " + socket.getLocalPort() + " is in use (held by process "
						+ ProcessHandle.current().pid() + "). Stop what holds it");
		}
	}

	@Test
	void withoutTheNativeLibraryItWarnsOnceWithTheDependencyToAdd() throws Exception {
		String log = ForkedApplication.run(this.output, List.of(NATIVE_JARS), http3());
		assertThat(log.lines().filter((line) -> line.contains("HTTP/3"))).singleElement()
			.asString()
			.contains(" WARN ")
			.contains("HTTP/3 is off: Netty's native QUIC library does not load on this platform")
			.contains("Add io.netty:netty-codec-native-quic with classifier " + classifier())
			.contains("Serving HTTP/1.1 and HTTP/2 only");
		assertThat(log).contains("Netty started on port");
	}

	@Test
	void withoutTheNativeLibraryStartupFailsWhenRequired() throws Exception {
		String log = ForkedApplication.run(this.output, List.of(NATIVE_JARS),
				Stream.concat(Stream.of(http3()), Stream.of("--reuseport.required=true")).toArray(String[]::new));
		assertThat(log).contains("APPLICATION FAILED TO START")
			.contains("HTTP/3 is enabled (reuseport.http3.enabled=true) and required (reuseport.required=true), but "
					+ "Netty's native QUIC library does not load on this platform")
			.contains("Add io.netty:netty-codec-native-quic with classifier " + classifier())
			.doesNotContain("Netty started on port");
	}

	@Test
	void withoutTheQuicCodecItWarnsOnceWithTheDependencyToAdd() throws Exception {
		String log = ForkedApplication.run(this.output, List.of(NATIVE_JARS, CLASSES_JAR), http3());
		assertThat(log.lines().filter((line) -> line.contains("HTTP/3"))).singleElement()
			.asString()
			.contains(" WARN ")
			.contains(
					"HTTP/3 is off: Netty's QUIC codec is not on the class path. Add io.netty:netty-codec-native-quic");
		assertThat(log).contains("Netty started on port");
	}

	private static String[] http3() {
		return Stream.of(ReuseportWebServerHttp3IntegrationTests.HTTP3)
			.map((property) -> "--" + property)
			.toArray(String[]::new);
	}

	private static String classifier() {
		return System.getProperty("os.arch").equals("aarch64") ? "linux-aarch_64" : "linux-x86_64";
	}

}
