package dev.reuseport.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.HeldLoop;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.Shutdown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ListenerHandover}: two servers of this process on one
 * port, the second of which takes the first one's listening sockets over the handover
 * socket, as a new process takes them from the old one. Both ends speak over a real Unix
 * domain socket and pass real descriptors; the kernel sees one process on each side.
 */
class ListenerHandoverIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(Pattern.compile("(?s).*"), ReuseportWebServer.class);

	@TempDir
	Path directory;

	private Path socket;

	private int port;

	private final List<ReuseportWebServer> servers = new ArrayList<>();

	@BeforeEach
	void choosePort() throws IOException {
		this.socket = this.directory.resolve("handover.sock");
		this.port = freePort();
	}

	@AfterEach
	void stopServers() {
		this.servers.forEach(ReuseportWebServer::stop);
	}

	@Test
	void aNewServerAdoptsTheListeningSocketsOfTheOldOne() throws IOException {
		ReuseportWebServer old = start("old", 4);
		List<String> sockets = ListeningSockets.inodes(this.port);
		List<Long> handedOverTo = new CopyOnWriteArrayList<>();
		old.whenHandedOver(handedOverTo::add);
		assertThat(old.isOfferingHandover()).isTrue();
		assertThat(Files.getPosixFilePermissions(this.socket)).hasToString("[OWNER_READ, OWNER_WRITE]");
		ReuseportWebServer replacement = start("new", 4);
		long pid = ProcessHandle.current().pid();
		assertThat(replacement.getListeners()).allSatisfy((listener) -> {
			assertThat(listener.socketOrigin()).isEqualTo(SocketOrigin.adoptedFrom(pid));
			assertThat(listener.isOpen()).isTrue();
		});
		// The same sockets, none closed and none added
		assertThat(ListeningSockets.inodes(this.port)).containsExactlyInAnyOrderElementsOf(sockets);
		await().atMost(TIMEOUT).untilAsserted(() -> {
			assertThat(old.getListeners()).noneMatch(ReuseportListener::isOpen);
			assertThat(handedOverTo).containsExactly(pid);
			assertThat(replacement.getListeners()).noneMatch(ReuseportListener::isShared);
			assertThat(replacement.isOfferingHandover()).isTrue();
		});
		assertThat(old.getHandoversGiven()).isEqualTo(1);
		assertThat(replacement.getHandoversReceived()).isEqualTo(1);
		assertThat(ListeningSockets.inodes(this.port)).containsExactlyInAnyOrderElementsOf(sockets);
		for (int i = 0; i < 8; i++) {
			assertThat(RawHttp.get(this.port, "/").body()).isEqualTo("new");
		}
		assertThat(this.logs.messages(Level.INFO)).anySatisfy((message) -> assertThat(message)
			.startsWith("Adopted 4 SO_REUSEPORT listeners on /127.0.0.1:" + this.port + " from process " + pid));
		assertThat(this.logs.messages(Level.INFO)).anySatisfy((message) -> assertThat(message)
			.startsWith("Handed 4 SO_REUSEPORT listeners on /127.0.0.1:" + this.port + " over to process " + pid));
	}

	@Test
	void connectionsWaitingInTheOldServersQueueAreServedByTheNewOne() throws Exception {
		ReuseportWebServer old = start("old", 1);
		List<Socket> waiting = new ArrayList<>();
		try (HeldLoop held = HeldLoop.hold(old.getListeners().get(0).eventLoop())) {
			// The old server's only loop accepts nothing: these wait in its queue
			for (int i = 0; i < 20; i++) {
				Socket client = RawHttp.connect(this.port);
				RawHttp.send(client, "/", true);
				waiting.add(client);
			}
			await().atMost(TIMEOUT)
				.until(() -> old.getListeners().get(0).acceptQueue().orElseThrow().length() == waiting.size());
			start("new", 2);
			// Served while the old loop is still held: the queue is the new server's
			for (Socket client : waiting) {
				assertThat(RawHttp.read(client).body()).isEqualTo("new");
			}
		}
		finally {
			for (Socket client : waiting) {
				client.close();
			}
		}
	}

	private ReuseportWebServer start(String name, int listeners) {
		HttpServer httpServer = HttpServer.create()
			.host("127.0.0.1")
			.port(this.port)
			.handle((request, response) -> response.sendString(Mono.just(name)));
		ReuseportWebServer server = new ReuseportWebServer(httpServer, ListenerTransport.EPOLL, listeners, false, null,
				Shutdown.GRACEFUL, ConnectionBalancing.DEFAULT, StallReliefSettings.DEFAULT,
				new HandoverSettings(this.socket, TIMEOUT));
		this.servers.add(server);
		server.start();
		return server;
	}

	private static int freePort() throws IOException {
		try (ServerSocketChannel channel = ServerSocketChannel.open()) {
			channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			return ((InetSocketAddress) channel.getLocalAddress()).getPort();
		}
	}

}
