package dev.reuseport.server;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.Socket;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Takes a listener's socket out of its SO_REUSEPORT group while its loop is stalled, and
 * puts it back. {@code shutdown(SHUT_RD)} on a listening socket takes it out of the
 * kernel's selection and, with {@code net.ipv4.tcp_migrate_req=1}, moves its accept queue
 * and its handshakes in progress to the other listeners; {@code listen(2)} on the same
 * descriptor rejoins the group (Linux 5.14 and later). The socket stays open, so the
 * channel stays active and keeps serving the connections it already accepted.
 * <p>
 * When the stalled loop wakes on the shut-down socket, Netty's epoll accept fails with
 * {@code EINVAL}; Reactor Netty's acceptor takes that as a transient accept error and
 * turns auto-read off for a second ({@code ServerTransport.Acceptor.exceptionCaught}),
 * without closing the channel. A rejoin turns auto-read back on at once, so that the
 * listener accepts as soon as it is back in the group.
 * <p>
 * {@code shutdown(2)} acts on the socket, not on one process's descriptor. A socket that
 * another process may also hold, such as the process it was handed over from or to, or
 * systemd, is {@linkplain #share() shared} and never withdrawn: that would stop it for
 * every process.
 */
final class ListenerWithdrawal {

	private static final Log logger = LogFactory.getLog(ListenerWithdrawal.class);

	private final int index;

	private final ListenerSocket socket;

	private volatile boolean withdrawn;

	private volatile boolean rejoining;

	// Guarded by this: a withdrawal, a rejoin and a handover never decide on the socket
	// at once
	private boolean shared;

	// Withdrawn when a handover began, so left out of it: it must not rejoin and take
	// connections that this process would then drop with its descriptor
	private boolean heldOut;

	private volatile int backlog;

	// The watchdog retries a withdrawal at each check while the loop stays stalled, and
	// a rejoin at each check while the loop stays healthy: every quarter of the
	// threshold while the cause of a failure lasts
	private final RetriedFailureLog withdrawFailures = new RetriedFailureLog(logger, BlockedLoopLog.INTERVAL);

	private final RetriedFailureLog rejoinFailures = new RetriedFailureLog(logger, BlockedLoopLog.INTERVAL);

	ListenerWithdrawal(int index, ListenerSocket socket) {
		this.index = index;
		this.socket = socket;
	}

	/**
	 * Return whether the listener is out of its group.
	 * @return whether it is withdrawn
	 */
	boolean isWithdrawn() {
		return this.withdrawn;
	}

	/**
	 * Forget a withdrawal of an earlier socket, when the listener binds a new one.
	 */
	synchronized void reset() {
		this.withdrawn = false;
		this.rejoining = false;
		this.shared = false;
		this.heldOut = false;
	}

	/**
	 * Mark the socket as held by another process too, so that it is never withdrawn,
	 * unless it is withdrawn now: such a socket is out of the group, has no queue, and is
	 * not to be shared; it then stays out until {@link #unshare()}.
	 * @return whether the socket is shared; not when it is withdrawn
	 */
	synchronized boolean share() {
		if (this.withdrawn) {
			this.heldOut = true;
			return false;
		}
		this.shared = true;
		return true;
	}

	/**
	 * Mark the socket as this process's alone again, once the other process has closed
	 * its descriptor or given up the handover.
	 */
	synchronized void unshare() {
		this.shared = false;
		this.heldOut = false;
	}

	/**
	 * Return whether another process may hold the socket too.
	 * @return whether the socket is shared
	 */
	synchronized boolean isShared() {
		return this.shared;
	}

	/**
	 * Take the listener out of its group, from any thread but its own stalled loop.
	 * @return whether it was withdrawn; not when it is not an open epoll listener, is
	 * closing, or is shared with another process
	 */
	synchronized boolean withdraw() {
		Channel channel = this.socket.channel();
		if (this.withdrawn || this.shared || !(channel instanceof EpollServerSocketChannel epoll) || !channel.isOpen()
				|| this.socket.isClosing()) {
			return false;
		}
		// Listen again with the backlog the channel was bound with
		this.backlog = channel.config().getOption(ChannelOption.SO_BACKLOG);
		try {
			// A Socket of its own on the same descriptor: Netty's socket shuts the input
			// down only once in its life, and a listener may be withdrawn many times.
			// It is never closed, so the descriptor stays the channel's.
			new Socket(epoll.fd().intValue()).shutdown(true, false);
		}
		catch (IOException ex) {
			this.withdrawFailures.failed("Could not withdraw listener " + this.index, ex);
			return false;
		}
		this.withdrawn = true;
		return true;
	}

	/**
	 * Put the listener back into its group, on its own loop, unless the server has begun
	 * to shut down by the time the loop runs the task.
	 * @param running whether the server still runs; read on the loop
	 * @param rejoined run on the loop once the listener is back in its group
	 */
	void rejoin(BooleanSupplier running, Runnable rejoined) {
		Channel channel = this.socket.channel();
		if (!this.withdrawn || this.rejoining || !(channel instanceof EpollServerSocketChannel epoll)) {
			return;
		}
		this.rejoining = true;
		try {
			channel.eventLoop().execute(() -> {
				try {
					if (running.getAsBoolean() && !this.socket.isClosing() && channel.isOpen()) {
						listen(epoll, rejoined);
					}
				}
				finally {
					this.rejoining = false;
				}
			});
		}
		catch (RejectedExecutionException ex) {
			// The loop is shutting down with the server: nothing to rejoin
			this.rejoining = false;
		}
	}

	private void listen(EpollServerSocketChannel channel, Runnable rejoined) {
		synchronized (this) {
			if (this.heldOut) {
				return;
			}
			try {
				new Socket(channel.fd().intValue()).listen(this.backlog);
			}
			catch (IOException ex) {
				this.rejoinFailures.failed("Listener " + this.index + " could not rejoin the port; it retries", ex);
				return;
			}
			this.withdrawn = false;
		}
		channel.config().setAutoRead(true);
		rejoined.run();
	}

}
