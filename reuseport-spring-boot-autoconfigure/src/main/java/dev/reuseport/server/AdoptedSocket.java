package dev.reuseport.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.channel.ChannelException;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import org.apache.commons.logging.Log;

/**
 * A listening TCP socket that this process did not bind, checked before a listener adopts
 * it: received from the process that this one replaces, or inherited from systemd. The
 * descriptor is checked against what the kernel says of it, never against what the sender
 * says: it must be a TCP socket, listening, on the server's address and port, and, for a
 * received one, owned by this process's user.
 * <p>
 * The descriptor belongs to this object until a listener takes it ({@link #take()}); one
 * that no listener took is closed with {@link #closeUnlessTaken()}.
 */
final class AdoptedSocket {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private static final int SOL_SOCKET = 1;

	private static final int SO_TYPE = 3;

	private static final int SO_ACCEPTCONN = 30;

	private static final int SO_DOMAIN = 39;

	private static final int SOCK_STREAM = 1;

	private static final int AF_INET = 2;

	private static final int AF_INET6 = 10;

	private final int descriptor;

	private final InetSocketAddress address;

	private final boolean reusePort;

	private final SocketOrigin origin;

	private final String inode;

	private final AtomicBoolean taken = new AtomicBoolean();

	private AdoptedSocket(int descriptor, InetSocketAddress address, boolean reusePort, SocketOrigin origin,
			String inode) {
		this.descriptor = descriptor;
		this.address = address;
		this.reusePort = reusePort;
		this.origin = origin;
		this.inode = inode;
	}

	/**
	 * Check a descriptor, and take it as an adopted socket if it passes.
	 * @param descriptor the file descriptor
	 * @param expected the server's address and port
	 * @param origin where the descriptor came from
	 * @param sameUser whether the socket must belong to this process's user
	 * @return the socket
	 * @throws RefusedException if the descriptor is not a listening TCP socket on the
	 * expected address, or of another user; the descriptor is left open
	 */
	static AdoptedSocket check(int descriptor, InetSocketAddress expected, SocketOrigin origin, boolean sameUser) {
		int domain;
		int type;
		boolean listening;
		InetSocketAddress address;
		boolean reusePort;
		try {
			// Netty's Socket reads the address of the descriptor as it wraps it
			Socket socket = new Socket(descriptor);
			domain = socket.getIntOpt(SOL_SOCKET, SO_DOMAIN);
			type = socket.getIntOpt(SOL_SOCKET, SO_TYPE);
			listening = socket.getIntOpt(SOL_SOCKET, SO_ACCEPTCONN) == 1;
			address = socket.localAddress();
			reusePort = socket.isReusePort();
		}
		catch (IOException | ChannelException ex) {
			throw new RefusedException("descriptor " + descriptor + " is not a socket (" + ex.getMessage() + ")");
		}
		if ((domain != AF_INET && domain != AF_INET6) || type != SOCK_STREAM) {
			throw new RefusedException("descriptor " + descriptor + " is not a TCP socket");
		}
		if (!listening) {
			throw new RefusedException(
					"the socket of descriptor " + descriptor + " on " + address + " is not listening");
		}
		if (!sameAddress(address, expected)) {
			throw new RefusedException("the socket of descriptor " + descriptor + " listens on " + address
					+ ", not on the server's address " + expected);
		}
		if (sameUser) {
			long owner = owner(descriptor);
			long self = ownUser();
			if (owner != self) {
				throw new RefusedException("the socket of descriptor " + descriptor + " on " + address
						+ " belongs to user " + owner + ", not to this process's user " + self);
			}
		}
		return new AdoptedSocket(descriptor, address, reusePort, origin, inode(descriptor));
	}

	/**
	 * Return how many listeners a group needs for the sockets it adopts: one per socket
	 * at least, so that no queue is dropped, and no more than one per socket where the
	 * sockets have no SO_REUSEPORT for others to join. Says so at WARN when that is not
	 * the configured count.
	 * @param adopted the sockets, none when the group binds its own
	 * @param configured the configured number of listeners
	 * @return the number of listeners
	 */
	static int listeners(List<AdoptedSocket> adopted, int configured) {
		if (adopted.isEmpty()) {
			return configured;
		}
		boolean joinable = adopted.stream().allMatch(AdoptedSocket::reusePort);
		int size = joinable ? Math.max(configured, adopted.size()) : adopted.size();
		InetSocketAddress address = adopted.get(0).address();
		if (!joinable && size < configured) {
			logger.warn(("The %d adopted sockets on %s have no SO_REUSEPORT, so no other listener can join them: "
					+ "%d listeners accept instead of %d. Give each socket SO_REUSEPORT (ReusePort=yes in a "
					+ "systemd socket unit) for one listener per event loop")
				.formatted(adopted.size(), address, size, configured));
		}
		else if (size > configured) {
			logger.warn(("%d sockets were adopted on %s for %d listeners: %d listeners accept, one per socket, "
					+ "so that no socket's accept queue is dropped")
				.formatted(adopted.size(), address, configured, size));
		}
		return size;
	}

	/**
	 * Return the address and port that the socket is bound to.
	 * @return the address
	 */
	InetSocketAddress address() {
		return this.address;
	}

	/**
	 * Return whether the socket has SO_REUSEPORT, so that more listeners can join it.
	 * @return whether the port can be reused
	 */
	boolean reusePort() {
		return this.reusePort;
	}

	/**
	 * Return where the socket came from.
	 * @return the origin
	 */
	SocketOrigin origin() {
		return this.origin;
	}

	/**
	 * Return the socket's inode, as the kernel's TCP tables name it.
	 * @return the inode number
	 */
	String inode() {
		return this.inode;
	}

	/**
	 * Take the descriptor, to wrap it in a channel that owns it from then on.
	 * @return the file descriptor
	 * @throws IllegalStateException if it was already taken
	 */
	int take() {
		if (!this.taken.compareAndSet(false, true)) {
			throw new IllegalStateException("Descriptor " + this.descriptor + " is already adopted");
		}
		return this.descriptor;
	}

	/**
	 * Close the descriptor unless a listener took it: this process then drops its
	 * reference, and the socket lives on in the processes that still hold it.
	 */
	void closeUnlessTaken() {
		if (this.taken.compareAndSet(false, true)) {
			close(this.descriptor);
		}
	}

	@Override
	public String toString() {
		return "descriptor " + this.descriptor + " on " + this.address;
	}

	/**
	 * Return whether a socket's address is the server's: the same port, and the same IP
	 * address or a wildcard on both sides. The wildcards of both families count as one:
	 * Netty binds IPv4's on a dual-stack socket, and systemd binds IPv6's for
	 * {@code ListenStream=8080}, both of which accept IPv4 connections.
	 */
	static boolean sameAddress(InetSocketAddress address, InetSocketAddress expected) {
		if (address == null || address.getPort() != expected.getPort()) {
			return false;
		}
		return address.getAddress().equals(expected.getAddress())
				|| (address.getAddress().isAnyLocalAddress() && expected.getAddress().isAnyLocalAddress());
	}

	/**
	 * Return the user that owns a descriptor's socket, which is who created it.
	 */
	private static long owner(int descriptor) {
		try {
			return uid(Path.of("/proc/self/fd/" + descriptor));
		}
		catch (IOException | RuntimeException ex) {
			throw new RefusedException("the owner of descriptor " + descriptor + " cannot be read (" + ex + ")");
		}
	}

	private static long ownUser() {
		try {
			return currentUser();
		}
		catch (IOException ex) {
			throw new RefusedException("the user of this process cannot be read (" + ex + ")");
		}
	}

	/**
	 * Return the real user id of this process.
	 * @return the user id
	 * @throws IOException if {@code /proc} cannot be read
	 */
	static long currentUser() throws IOException {
		return uid(Path.of("/proc/self"));
	}

	private static long uid(Path path) throws IOException {
		return ((Number) Files.getAttribute(path, "unix:uid")).longValue();
	}

	private static String inode(int descriptor) {
		try {
			// socket:[12345]
			String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + descriptor)).toString();
			return target.substring(target.indexOf('[') + 1, target.length() - 1);
		}
		catch (IOException ex) {
			return "";
		}
	}

	/**
	 * Close a descriptor that no listener adopts.
	 * @param descriptor the file descriptor
	 */
	static void close(int descriptor) {
		try {
			new FileDescriptor(descriptor).close();
		}
		catch (IOException ex) {
			logger.debug("Could not close descriptor " + descriptor, ex);
		}
	}

	/**
	 * Thrown when a descriptor is refused; its message says why.
	 */
	static final class RefusedException extends RuntimeException {

		RefusedException(String message) {
			super(message);
		}

	}

}
