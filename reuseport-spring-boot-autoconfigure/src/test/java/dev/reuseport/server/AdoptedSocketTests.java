package dev.reuseport.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;

import dev.reuseport.server.AdoptedSocket.RefusedException;
import dev.reuseport.test.Prerequisites;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link AdoptedSocket}: the checks of a descriptor, on real sockets and files
 * of this process.
 */
class AdoptedSocketTests {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private final List<FileDescriptor> opened = new ArrayList<>();

	@BeforeAll
	static void nativeSockets() {
		// Netty's unix Socket needs the native library that the epoll transport loads
		Epoll.ensureAvailability();
	}

	@AfterEach
	void close() throws IOException {
		for (FileDescriptor descriptor : this.opened) {
			descriptor.close();
		}
	}

	@Test
	void aListeningTcpSocketOnTheServersAddressIsTaken() throws IOException {
		Socket socket = listening(true);
		InetSocketAddress address = socket.localAddress();
		AdoptedSocket adopted = AdoptedSocket.check(socket.intValue(), address, SocketOrigin.adoptedFrom(42), true);
		assertThat(adopted.address()).isEqualTo(address);
		assertThat(adopted.reusePort()).isTrue();
		assertThat(adopted.origin().adoptedFrom()).hasValue(42);
		assertThat(adopted.inode()).isNotEmpty().containsOnlyDigits();
		assertThat(adopted.take()).isEqualTo(socket.intValue());
	}

	@Test
	void aSocketWithoutReusePortSaysSo() throws IOException {
		Socket socket = listening(false);
		assertThat(AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED, false)
			.reusePort()).isFalse();
	}

	@Test
	void theWildcardsOfBothFamiliesAreOneAddress() throws IOException {
		Socket socket = track(Socket.newSocketStream());
		socket.bind(new InetSocketAddress("::", 0));
		socket.listen(8);
		int port = socket.localAddress().getPort();
		assertThat(AdoptedSocket.check(socket.intValue(), new InetSocketAddress("0.0.0.0", port),
				SocketOrigin.INHERITED, false))
			.isNotNull();
	}

	@Test
	void aSocketOnAnotherPortIsRefused() throws IOException {
		Socket socket = listening(true);
		InetSocketAddress other = new InetSocketAddress(LOOPBACK, socket.localAddress().getPort() + 1);
		assertThatExceptionOfType(RefusedException.class)
			.isThrownBy(() -> AdoptedSocket.check(socket.intValue(), other, SocketOrigin.INHERITED, false))
			.withMessage("the socket of descriptor %d listens on %s, not on the server's address %s", socket.intValue(),
					socket.localAddress(), other);
	}

	@Test
	void aSocketThatDoesNotListenIsRefused() throws IOException {
		Socket socket = track(Socket.newSocketStream());
		socket.bind(new InetSocketAddress(LOOPBACK, 0));
		assertThatExceptionOfType(RefusedException.class)
			.isThrownBy(
					() -> AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED, false))
			.withMessage("the socket of descriptor %d on %s is not listening", socket.intValue(),
					socket.localAddress());
	}

	@Test
	void aUdpSocketIsRefused() throws IOException {
		Socket socket = track(Socket.newSocketDgram());
		socket.bind(new InetSocketAddress(LOOPBACK, 0));
		assertThatExceptionOfType(RefusedException.class)
			.isThrownBy(
					() -> AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED, false))
			.withMessage("descriptor %d is not a TCP socket", socket.intValue());
	}

	@Test
	void aFileIsRefused(@TempDir Path directory) throws IOException {
		Path file = Files.writeString(directory.resolve("file"), "not a socket");
		FileDescriptor descriptor = track(FileDescriptor.from(file.toFile()));
		assertThatExceptionOfType(RefusedException.class)
			.isThrownBy(() -> AdoptedSocket.check(descriptor.intValue(), new InetSocketAddress(LOOPBACK, 8080),
					SocketOrigin.INHERITED, false))
			.withMessageStartingWith("descriptor %d is not a socket (".formatted(descriptor.intValue()));
	}

	@Test
	void aSocketOfAnotherUserIsRefusedWhenTheUserMustBeTheSame() throws IOException {
		Prerequisites.requireRoot("Giving a socket to another user");
		Socket socket = listening(true);
		UserPrincipal nobody = Path.of("/")
			.getFileSystem()
			.getUserPrincipalLookupService()
			.lookupPrincipalByName("65534");
		// chown(2) through the descriptor's link changes the socket's owner, as if the
		// other user had created it
		Files.setOwner(Path.of("/proc/self/fd/" + socket.intValue()), nobody);
		assertThatExceptionOfType(RefusedException.class).isThrownBy(
				() -> AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.adoptedFrom(1), true))
			.withMessage("the socket of descriptor %d on %s belongs to user 65534, not to this process's user 0",
					socket.intValue(), socket.localAddress());
		// systemd's sockets are root's, whoever the service runs as
		assertThat(AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED, false))
			.isNotNull();
	}

	@Test
	void aDescriptorIsTakenOnceAndNotClosedOnceTaken() throws IOException {
		Socket socket = listening(true);
		AdoptedSocket adopted = AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED,
				false);
		adopted.take();
		adopted.closeUnlessTaken();
		assertThat(Files.exists(Path.of("/proc/self/fd/" + socket.intValue()))).isTrue();
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(adopted::take);
	}

	@Test
	void aDescriptorThatNoListenerTookIsClosed() throws IOException {
		Socket socket = Socket.newSocketStream();
		socket.bind(new InetSocketAddress(LOOPBACK, 0));
		socket.listen(8);
		AdoptedSocket adopted = AdoptedSocket.check(socket.intValue(), socket.localAddress(), SocketOrigin.INHERITED,
				false);
		adopted.closeUnlessTaken();
		assertThat(Files.exists(Path.of("/proc/self/fd/" + socket.intValue()))).isFalse();
	}

	private Socket listening(boolean reusePort) throws IOException {
		Socket socket = track(Socket.newSocketStream());
		socket.setReusePort(reusePort);
		socket.bind(new InetSocketAddress(LOOPBACK, 0));
		socket.listen(8);
		return socket;
	}

	private <T extends FileDescriptor> T track(T descriptor) {
		this.opened.add(descriptor);
		return descriptor;
	}

}
