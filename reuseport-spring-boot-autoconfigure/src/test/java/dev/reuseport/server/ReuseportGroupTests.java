package dev.reuseport.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link ReuseportGroup}: the spread of open connections across loops, and the
 * listeners of a group that adopts sockets already listening, on real sockets.
 */
class ReuseportGroupTests {

	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(Pattern.compile("(?s).*"), ReuseportWebServer.class);

	@Test
	void spreadIsZeroWhenIdle() {
		assertThat(ReuseportGroup.spread(new long[] { 0, 0, 0, 0 })).isZero();
	}

	@Test
	void spreadIsZeroWhenTheCountsDifferByOneAtMost() {
		// One open connection, such as a metrics scrape's, on an otherwise idle server
		assertThat(ReuseportGroup.spread(new long[] { 1, 0, 0, 0 })).isZero();
		assertThat(ReuseportGroup.spread(new long[] { 3, 3, 2, 2 })).isZero();
	}

	@Test
	void spreadIsTheGapBeyondOneConnectionOverTheMean() {
		assertThat(ReuseportGroup.spread(new long[] { 2, 0, 0, 0 })).isCloseTo(2.0, within(1e-9));
		assertThat(ReuseportGroup.spread(new long[] { 4, 2, 3, 3 })).isCloseTo(1 / 3.0, within(1e-9));
		assertThat(ReuseportGroup.spread(new long[] { 20, 10, 10, 0 })).isCloseTo(19 / 10.0, within(1e-9));
	}

	@Test
	void anAdoptedSocketWithoutReusePortIsTheOnlyListenerAndKeepsItsOptions() throws IOException {
		AdoptedSocket adopted = adoptable(false);
		int port = adopted.address().getPort();
		ReuseportGroup group = group(port, 3);
		try {
			assertThat(group.bind(List.of(adopted), KernelSettings.read())).isEqualTo(port);
			assertThat(group.listeners()).singleElement().satisfies((listener) -> {
				assertThat(listener.socketOrigin()).isEqualTo(SocketOrigin.INHERITED);
				assertThat(listener.isShared()).isTrue();
				assertThat(new Socket(listener.fileDescriptor()).isReusePort()).isFalse();
			});
			assertThat(RawHttp.get(port, "/").body()).isEqualTo("adopted");
			assertThat(this.logs.messages(Level.WARN)).containsExactly(("The 1 adopted sockets on %s have no "
					+ "SO_REUSEPORT, so no other listener can join them: 1 listeners accept instead of 3. Give each "
					+ "socket SO_REUSEPORT (ReusePort=yes in a systemd socket unit) for one listener per event loop")
				.formatted(adopted.address()));
			// systemd holds it too: never withdrawn
			assertThat(group.withdraw(0)).isFalse();
		}
		finally {
			group.release(Duration.ofSeconds(5));
		}
	}

	@Test
	void anAdoptedSocketWithReusePortIsJoinedByListenersOfTheGroupsOwn() throws IOException {
		AdoptedSocket adopted = adoptable(true);
		int port = adopted.address().getPort();
		ReuseportGroup group = group(port, 3);
		try {
			group.bind(List.of(adopted), KernelSettings.read());
			assertThat(group.listeners()).extracting((listener) -> listener.socketOrigin().kind())
				.containsExactly(SocketOrigin.Kind.INHERITED, SocketOrigin.Kind.BOUND, SocketOrigin.Kind.BOUND);
			assertThat(ListeningSockets.count(port)).isEqualTo(3);
			assertThat(group.listeners().subList(1, 3)).noneMatch(ReuseportListener::isShared);
		}
		finally {
			group.release(Duration.ofSeconds(5));
		}
	}

	private static AdoptedSocket adoptable(boolean reusePort) throws IOException {
		Epoll.ensureAvailability();
		// Closed by the listener that adopts it
		Socket socket = Socket.newSocketStream();
		socket.setReusePort(reusePort);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		socket.listen(128);
		return AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED, false);
	}

	private static ReuseportGroup group(int port, int listeners) {
		HttpServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.handle((request, response) -> response.sendString(Mono.just("adopted")));
		return new ReuseportGroup(server, ListenerTransport.EPOLL, listeners, false, null, ConnectionBalancing.DEFAULT,
				ListenerSteering.HASH);
	}

}
