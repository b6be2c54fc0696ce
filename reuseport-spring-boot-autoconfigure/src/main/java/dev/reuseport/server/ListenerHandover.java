package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

import io.netty.channel.Channel;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * Where the listening sockets of a {@link ReuseportWebServer} come from at each start,
 * and where they go when another process replaces it: the one owner of the sockets that
 * this process did not bind.
 * <ol>
 * <li>Sockets that systemd passed on the server's address are adopted first
 * ({@link SystemdSockets}).</li>
 * <li>Otherwise, with a handover socket configured, the process that listens on it is
 * asked for its listeners ({@link HandoverRequest}), and those received are adopted. Once
 * the server has started, that process is told, closes its descriptors and drains; the
 * sockets stay shared, and are never withdrawn, until it has.</li>
 * <li>Then, with a handover socket configured, the server offers its own listeners on it
 * to the process that will replace it ({@link HandoverOffer}).</li>
 * </ol>
 * Only epoll listeners adopt sockets; io_uring servers bind and hand over by joining the
 * port, as without a handover socket.
 */
final class ListenerHandover {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private final @Nullable HandoverSettings settings;

	private final ListenerTransport transport;

	private final ReuseportGroup group;

	private final Duration idleGrace;

	private final AtomicLong given = new AtomicLong();

	private final AtomicLong received = new AtomicLong();

	private final List<LongConsumer> handedOverActions = new CopyOnWriteArrayList<>();

	private volatile HandoverRequest.@Nullable Received pending;

	private volatile @Nullable HandoverOffer offer;

	private volatile List<AdoptedSocket> adopted = List.of();

	// Whether the server runs, so that an offer opens only while it does
	private boolean running;

	/**
	 * Create the handover of a server's listeners.
	 * @param settings the handover socket, or {@code null} for none
	 * @param transport the transport of the listeners
	 * @param group the listeners
	 * @param idleGrace how long a drain keeps an idle connection open
	 */
	ListenerHandover(@Nullable HandoverSettings settings, ListenerTransport transport, ReuseportGroup group,
			Duration idleGrace) {
		this.settings = settings;
		this.transport = transport;
		this.group = group;
		this.idleGrace = idleGrace;
	}

	/**
	 * Find the sockets that this start adopts rather than binds.
	 * @param address the server's configured address and port
	 * @return the sockets, in listener order; none when every listener binds its own
	 */
	List<AdoptedSocket> socketsToAdopt(@Nullable InetSocketAddress address) {
		this.adopted = List.of();
		if (address == null || address.getPort() <= 0) {
			return this.adopted;
		}
		List<AdoptedSocket> inherited = this.transport.canAdopt()
				? SystemdSockets.claim(address, System.getenv(), ProcessHandle.current().pid()) : List.of();
		if (!inherited.isEmpty()) {
			logger.info("Adopting %d sockets on %s that systemd passed to this process".formatted(inherited.size(),
					address));
			this.adopted = inherited;
			return inherited;
		}
		HandoverSettings settings = this.settings;
		if (settings == null) {
			return this.adopted;
		}
		if (!this.transport.canAdopt()) {
			logger.info(("io_uring listeners cannot adopt sockets: this server binds its own, and the process on %s, "
					+ "if any, is replaced by joining its port")
				.formatted(settings.socket()));
			return this.adopted;
		}
		HandoverRequest.Received received = HandoverRequest.ask(settings.socket(), address, settings.timeout());
		if (received != null) {
			this.pending = received;
			this.adopted = received.sockets();
		}
		return this.adopted;
	}

	/**
	 * Return whether this start adopts sockets: those of a process that this one
	 * replaces, or those that systemd passed to it.
	 * @return whether sockets are adopted
	 */
	boolean adopts() {
		return !this.adopted.isEmpty();
	}

	/**
	 * Tell the process that handed the sockets over that they are adopted, and offer this
	 * server's listeners once it has closed its descriptors.
	 * @param address the address and port that every listener is bound to
	 */
	void started(InetSocketAddress address) {
		synchronized (this) {
			this.running = true;
		}
		HandoverRequest.Received received = this.pending;
		this.pending = null;
		if (received == null) {
			offer(address);
			return;
		}
		this.received.incrementAndGet();
		logger.info(
				"Adopted %d SO_REUSEPORT listeners on %s from process %d over the handover socket %s (its listeners %s)"
					.formatted(received.sockets().size(), address, received.process(), this.settings.socket(),
							String.join(", ", received.indexes())));
		received.adopted(() -> {
			unshare();
			offer(address);
		});
	}

	/**
	 * Give the sockets back after a failed start: the process that handed them over
	 * serves on, and the descriptors that no listener took are closed.
	 * @param failure why the start failed
	 */
	void failed(Exception failure) {
		HandoverRequest.Received received = this.pending;
		this.pending = null;
		if (received != null) {
			received.decline("the server failed to start: " + failure.getMessage());
		}
		this.adopted.forEach(AdoptedSocket::closeUnlessTaken);
	}

	private synchronized void offer(InetSocketAddress address) {
		HandoverSettings settings = this.settings;
		if (settings == null || !this.transport.canAdopt() || !this.running) {
			return;
		}
		this.offer = HandoverOffer.open(settings.socket(), settings.timeout(), new OfferedListeners(address),
				this::handedOver);
	}

	private void handedOver(long process) {
		stopOffering();
		this.given.incrementAndGet();
		this.handedOverActions.forEach((action) -> action.accept(process));
	}

	/**
	 * Stop offering the listeners, when the server shuts down or stops: its listeners
	 * close, and the next process binds its own.
	 */
	synchronized void stop() {
		this.running = false;
		stopOffering();
	}

	private void stopOffering() {
		HandoverOffer offer = this.offer;
		this.offer = null;
		if (offer != null) {
			offer.close();
		}
	}

	/**
	 * Run an action each time the listeners are handed over to another process.
	 * @param action told the id of the process that adopted them
	 */
	void whenHandedOver(LongConsumer action) {
		this.handedOverActions.add(action);
	}

	/**
	 * Return the handover socket and timeout.
	 * @return the settings, or {@code null} when the server hands nothing over
	 */
	@Nullable HandoverSettings settings() {
		return this.settings;
	}

	/**
	 * Return how many times this server handed its listeners over to another process.
	 * @return the handovers given
	 */
	long given() {
		return this.given.get();
	}

	/**
	 * Return how many times this server adopted the listeners of another process.
	 * @return the handovers received
	 */
	long received() {
		return this.received.get();
	}

	/**
	 * Return whether this server hands its sockets over to the process that replaces it,
	 * rather than closing them once that process has joined the port.
	 * @return whether a handover socket is configured for epoll listeners
	 */
	boolean passesSockets() {
		return this.settings != null && this.transport.canAdopt();
	}

	/**
	 * Return whether this server offers its listeners on the handover socket now.
	 * @return whether a process can take them over
	 */
	boolean isOffering() {
		return this.offer != null;
	}

	/**
	 * Mark the listeners' sockets as this process's alone, but those that systemd holds.
	 */
	private void unshare() {
		this.group.listeners()
			.stream()
			.filter((listener) -> listener.socketOrigin().kind() != SocketOrigin.Kind.INHERITED)
			.forEach((listener) -> listener.withdrawal().unshare());
	}

	private static CompletableFuture<Void> closed(Channel channel) {
		CompletableFuture<Void> closed = new CompletableFuture<>();
		channel.closeFuture().addListener((future) -> closed.complete(null));
		return closed;
	}

	/**
	 * The server's listeners as the offer sees them.
	 */
	private final class OfferedListeners implements HandoverSession.Listeners {

		private final InetSocketAddress address;

		OfferedListeners(InetSocketAddress address) {
			this.address = address;
		}

		@Override
		public InetSocketAddress address() {
			return this.address;
		}

		@Override
		public ListenerTransport transport() {
			return ListenerHandover.this.transport;
		}

		@Override
		public SortedMap<Integer, Channel> share() {
			SortedMap<Integer, Channel> shared = new TreeMap<>();
			for (ReuseportListener listener : ListenerHandover.this.group.listeners()) {
				Channel channel = listener.channel();
				// A withdrawn socket is out of the group, with no queue: it is not
				// offered
				if (channel != null && channel.isOpen() && !listener.socket().isClosing()
						&& listener.withdrawal().share()) {
					shared.put(listener.index(), channel);
				}
			}
			return shared;
		}

		@Override
		public void unshare() {
			ListenerHandover.this.unshare();
		}

		@Override
		public CompletableFuture<Void> release() {
			// This process's descriptors close; the sockets stay open in the other
			List<CompletableFuture<Void>> closed = ListenerHandover.this.group.listeners()
				.stream()
				.map(ReuseportListener::channel)
				.filter(Objects::nonNull)
				.map(ListenerHandover::closed)
				.toList();
			ListenerHandover.this.group.drain(ListenerHandover.this.idleGrace);
			return CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new));
		}

	}

}
