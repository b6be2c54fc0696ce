package dev.reuseport.server;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.HeldLoop;
import dev.reuseport.test.SocketStats;
import dev.reuseport.test.TestApplication;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Http3Listener}: the kernel's drops on the socket of a listener whose
 * loop is held, against what {@code ss -uam} reports for the same sockets.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class Http3ListenerTests {

	@Test
	void receiveDropsAreTheKernelsDropsOnTheSocketWhoseLoopIsHeld() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication
			.run(ReuseportWebServerHttp3IntegrationTests.HTTP3)) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			List<Http3Listener> listeners = server.getHttp3().listeners();
			assertThat(listeners).allSatisfy((listener) -> assertThat(listener.receiveDrops()).isZero());
			EventLoop loop = server.group().listeners().get(0).eventLoop();
			try (HeldLoop held = HeldLoop.hold(loop)) {
				// Datagrams from many client ports: the kernel hashes about half of them
				// to
				// the socket whose loop reads nothing, until its receive buffer is full
				byte[] datagram = new byte[1200];
				for (int client = 0; client < 200 && listeners.get(0).receiveDrops() == 0; client++) {
					try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
						for (int i = 0; i < 100; i++) {
							socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(),
									port));
						}
					}
				}
				assertThat(listeners.get(0).receiveDrops()).isPositive();
				long reported = listeners.stream().mapToLong(Http3Listener::receiveDrops).sum();
				assertThat(SocketStats.udpDrops(port).values().stream().mapToLong(Long::longValue).sum())
					.isEqualTo(reported);
			}
		}
	}

}
