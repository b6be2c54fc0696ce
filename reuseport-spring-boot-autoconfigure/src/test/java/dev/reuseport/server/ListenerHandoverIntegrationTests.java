package dev.reuseport.server;

import java.io.IOException;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.HeldLoop;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.Prerequisites;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.web.server.GracefulShutdownResult;

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
		this.port = TestServers.freePort();
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
		assertThat(Files.getPosixFilePermissions(this.socket)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
				PosixFilePermission.OWNER_WRITE);
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
			.startsWith("Adopted 4 SO_REUSEPORT listeners on /127.0.0.1:" + this.port + " from process " + pid)
			.endsWith("(its listeners 0, 1, 2, 3)"));
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

	@Test
	void aNewServerWithFewerListenersKeepsEverySocketItReceives() {
		start("old", 4);
		ReuseportWebServer replacement = start("new", 2);
		assertThat(replacement.getListeners()).hasSize(4)
			.allSatisfy((listener) -> assertThat(listener.socketOrigin().kind()).isEqualTo(SocketOrigin.Kind.ADOPTED));
		assertThat(this.logs.messages(Level.WARN))
			.contains("4 sockets were adopted on /127.0.0.1:%d for 2 listeners: 4 listeners accept, one per socket, "
				.formatted(this.port) + "so that no socket's accept queue is dropped");
	}

	@Test
	void aNewServerWithMoreListenersAddsItsOwnToTheAdoptedOnes() {
		start("old", 1);
		ReuseportWebServer replacement = start("new", 3);
		assertThat(replacement.getListeners()).extracting((listener) -> listener.socketOrigin().kind())
			.containsExactly(SocketOrigin.Kind.ADOPTED, SocketOrigin.Kind.BOUND, SocketOrigin.Kind.BOUND);
		await().atMost(TIMEOUT).until(replacement::isOfferingHandover);
		assertThat(ListeningSockets.count(this.port)).isEqualTo(3);
	}

	@Test
	void aProcessStartedByTheJvmInheritsNoneOfTheAdoptedSockets() throws Exception {
		start("old", 2);
		ReuseportWebServer replacement = start("new", 2);
		List<String> sockets = ListeningSockets.inodes(this.port);
		// Netty's recvmsg sets no close-on-exec on a received descriptor
		for (ReuseportListener listener : replacement.getListeners()) {
			String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + listener.fileDescriptor())).toString();
			assertThat(target).startsWith("socket:[");
			assertThat(sockets).contains(target.replaceAll("\\D", ""));
		}
		// but the JDK closes every descriptor above 2 in a process it starts
		Process child = new ProcessBuilder("ls", "-l", "/proc/self/fd/").redirectErrorStream(true).start();
		String descriptors = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(child.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		assertThat(descriptors).contains("/proc/").doesNotContain("socket:[");
	}

	@Test
	void theOldServerServesOnWhenTheNewProcessGoesAwayBeforeAdopting() throws Exception {
		ReuseportWebServer old = start("old", 2);
		try (RawHandoverClient dying = RawHandoverClient.connect(this.socket)) {
			assertThat(dying.ask(this.port)).isEqualTo("OFFER " + ProcessHandle.current().pid() + " epoll 2 0,1");
			assertThat(old.getListeners()).allMatch(ReuseportListener::isShared);
			// Reads the descriptors' bytes without room for the descriptors, as a
			// process that does not take them; then goes away
			dying.send("READY");
			dying.readBytes(2);
		}
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(this.logs.messages(Level.WARN))
				.contains("Process " + ProcessHandle.current().pid() + " did not take this server's listeners over, "
						+ "as it went away; this process keeps serving them"));
		assertThat(old.getListeners()).allMatch(ReuseportListener::isOpen).noneMatch(ReuseportListener::isShared);
		assertThat(RawHttp.get(this.port, "/").body()).isEqualTo("old");
		assertThat(old.isOfferingHandover()).isTrue();
		assertThat(start("new", 2).getListeners())
			.allSatisfy((listener) -> assertThat(listener.socketOrigin().kind()).isEqualTo(SocketOrigin.Kind.ADOPTED));
	}

	@Test
	void aStaleHandoverSocketIsReplacedByTheNewServersOwn() throws IOException {
		try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			gone.bind(UnixDomainSocketAddress.of(this.socket));
		}
		assertThat(this.socket).exists();
		ReuseportWebServer server = start("new", 2);
		assertThat(this.logs.messages(Level.WARN)).singleElement()
			.satisfies((message) -> assertThat(message)
				.startsWith("No process offers listeners on the handover socket " + this.socket)
				.endsWith("the process that offered them is gone. Binding new listeners"));
		assertThat(server.getListeners()).allSatisfy((listener) -> {
			assertThat(listener.socketOrigin()).isEqualTo(SocketOrigin.BOUND);
			assertThat(listener.isOpen()).isTrue();
		});
		assertThat(server.isOfferingHandover()).isTrue();
		assertThat(RawHandoverClient.connect(this.socket)).isNotNull();
	}

	@Test
	void aFileThatIsNoSocketIsLeftAloneAtThePath() throws IOException {
		Files.writeString(this.socket, "the user's");
		ReuseportWebServer server = start("new", 2);
		assertThat(server.getListeners()).allMatch(ReuseportListener::isOpen);
		assertThat(this.socket).hasContent("the user's");
		assertThat(server.isOfferingHandover()).isFalse();
		assertThat(this.logs.messages(Level.WARN)).contains("This server does not offer its listeners on the handover "
				+ "socket " + this.socket + ": it is not a socket; choose a path that nothing else uses. The process "
				+ "that replaces this one will bind listeners of its own");
	}

	@Test
	void aServerOnAnotherPortIsRefusedTheSockets() throws IOException {
		ReuseportWebServer old = start("old", 2);
		int oldPort = this.port;
		this.port = TestServers.freePort();
		ReuseportWebServer other = start("other", 2);
		String why = "this process listens on /127.0.0.1:%d, not on /127.0.0.1:%d".formatted(oldPort, this.port);
		long pid = ProcessHandle.current().pid();
		assertThat(this.logs.messages(Level.WARN)).contains(
				"Refused to hand this server's listeners over to process " + pid + ": " + why,
				"Process " + pid + " gave no listeners over the handover socket " + this.socket + ", as it refused: "
						+ why + ". Binding new listeners");
		assertThat(other.getListeners()).allMatch((listener) -> listener.socketOrigin() == SocketOrigin.BOUND);
		// The path is the old server's: the other one does not take it over
		assertThat(other.isOfferingHandover()).isFalse();
		assertThat(old.isOfferingHandover()).isTrue();
		assertThat(this.logs.messages(Level.WARN)).contains("This server does not offer its listeners on the handover "
				+ "socket " + this.socket + ": another process offers its listeners on it. The process that replaces "
				+ "this one will bind listeners of its own");
		assertThat(old.getListeners()).allMatch(ReuseportListener::isOpen).noneMatch(ReuseportListener::isShared);
		assertThat(RawHttp.get(oldPort, "/").body()).isEqualTo("old");
		assertThat(RawHttp.get(this.port, "/").body()).isEqualTo("other");
		try (RawHandoverClient next = RawHandoverClient.connect(this.socket)) {
			assertThat(next.ask(oldPort)).startsWith("OFFER");
		}
	}

	@Test
	void aSecondRequestWhileAHandoverIsUnderWayIsRefused() throws Exception {
		start("old", 2);
		long pid = ProcessHandle.current().pid();
		try (RawHandoverClient first = RawHandoverClient.connect(this.socket)) {
			assertThat(first.ask(this.port)).startsWith("OFFER");
			try (RawHandoverClient second = RawHandoverClient.connect(this.socket)) {
				assertThat(second.readLine()).isEqualTo("REFUSED a handover to process " + pid + " is under way");
			}
		}
	}

	@Test
	void aSocketSharedDuringAHandoverIsNeverWithdrawn() throws Exception {
		ReuseportWebServer old = start("old", 2);
		try (RawHandoverClient taking = RawHandoverClient.connect(this.socket)) {
			assertThat(taking.ask(this.port)).startsWith("OFFER");
			assertThat(old.group().withdraw(0)).isFalse();
			assertThat(old.getListeners().get(0).isWithdrawn()).isFalse();
			assertThat(ListeningSockets.count(this.port)).isEqualTo(2);
		}
		// Once the other process has gone, the socket is this one's alone again
		await().atMost(TIMEOUT).until(() -> !old.getListeners().get(0).isShared());
		assertThat(old.group().withdraw(0)).isTrue();
		assertThat(ListeningSockets.count(this.port)).isEqualTo(1);
		// A withdrawn socket is out of the group, with no queue: it is not offered, and
		// does not rejoin while the handover lasts, to take connections that this process
		// would drop with its descriptor
		try (RawHandoverClient taking = RawHandoverClient.connect(this.socket)) {
			assertThat(taking.ask(this.port)).isEqualTo("OFFER " + ProcessHandle.current().pid() + " epoll 1 1");
			old.group().rejoin(0, () -> true);
			await().during(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> old.getListeners().get(0).isWithdrawn());
			assertThat(ListeningSockets.count(this.port)).isEqualTo(1);
		}
		await().atMost(TIMEOUT).untilAsserted(() -> {
			old.group().rejoin(0, () -> true);
			assertThat(old.getListeners().get(0).isWithdrawn()).isFalse();
		});
		assertThat(ListeningSockets.count(this.port)).isEqualTo(2);
	}

	@Test
	void aServerThatShutsDownStopsOffering() throws Exception {
		ReuseportWebServer server = start("old", 2);
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		assertThat(result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
		assertThat(server.isOfferingHandover()).isFalse();
		// Its file is gone with it: the next process binds its own listeners, quietly
		assertThat(this.socket).doesNotExist();
		server.stop();
		start("new", 2);
		assertThat(this.logs.messages(Level.WARN)).isEmpty();
	}

	@Test
	void theOfferOfAServerThatHandedOverEndsWithItsThread() {
		start("old", 2);
		start("new", 2);
		// One offer thread remains: the new server's
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
				.filteredOn((thread) -> thread.getName().startsWith("reuseport-handover"))
				.hasSize(1));
	}

	@Test
	void nothingListensOnAHandoverSocketUnlessOneIsConfigured() throws IOException {
		long before = UnixListeners.ofThisProcess();
		ReuseportWebServer server = TestServers.start(2);
		try {
			assertThat(UnixListeners.ofThisProcess()).isEqualTo(before);
		}
		finally {
			server.stop();
		}
		start("offering", 2);
		assertThat(UnixListeners.ofThisProcess()).isEqualTo(before + 1);
	}

	@Test
	void aProcessOfAnotherUserIsRefused() throws Exception {
		Prerequisites.requireRoot("Asking as another user");
		Path setpriv = Prerequisites.requireTool("setpriv", "install util-linux");
		Path perl = Prerequisites.requireTool("perl", "install perl-base");
		start("old", 2);
		// Kept out by the socket's permissions first
		assertThat(askAsNobody(setpriv, perl)).startsWith("connect: Permission denied");
		Files.setPosixFilePermissions(this.directory, PosixFilePermissions.fromString("rwxr-xr-x"));
		Files.setPosixFilePermissions(this.socket, PosixFilePermissions.fromString("rw-rw-rw-"));
		// Then by the kernel's word on who connected
		assertThat(askAsNobody(setpriv, perl))
			.matches("REFUSED process \\d+ runs as user 65534, not as this " + "process's user 0");
	}

	private String askAsNobody(Path setpriv, Path perl) throws Exception {
		String script = "use Socket; socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; "
				+ "connect($s, pack_sockaddr_un($ARGV[0])) or die \"connect: $!\\n\"; "
				+ "syswrite($s, \"REQUEST $$ 127.0.0.1 $ARGV[1]\\n\"); my $line = <$s>; print $line;";
		Process process = new ProcessBuilder(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups",
				perl.toString(), "-e", script, this.socket.toString(), String.valueOf(this.port))
			.redirectErrorStream(true)
			.start();
		assertThat(process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
	}

	private ReuseportWebServer start(String name, int listeners) {
		ReuseportWebServer server = TestServers.startHandingOver(name, this.port, this.socket, listeners);
		this.servers.add(server);
		return server;
	}

}
