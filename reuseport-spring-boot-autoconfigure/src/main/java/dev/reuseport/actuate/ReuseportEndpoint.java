package dev.reuseport.actuate;

import java.net.SocketAddress;
import java.util.List;
import java.util.function.Supplier;

import dev.reuseport.server.AcceptQueue;
import dev.reuseport.server.KernelSettings;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@link Endpoint @Endpoint} that reports the SO_REUSEPORT listeners of the application's
 * web server, with the kernel settings that shape them: for each listener, its socket,
 * its event loop, its connections and its accept queue read from the kernel now.
 *
 * @since 0.1.0
 */
@Endpoint(id = "reuseport")
public class ReuseportEndpoint {

	private final Supplier<@Nullable ReuseportWebServer> webServer;

	/**
	 * Create an endpoint.
	 * @param webServer supplies the running server, or {@code null} when the application
	 * has no reuseport server
	 */
	public ReuseportEndpoint(Supplier<@Nullable ReuseportWebServer> webServer) {
		this.webServer = webServer;
	}

	/**
	 * Describe the server and all of its listeners.
	 * @return the description
	 */
	@ReadOperation
	public ReuseportDescriptor reuseport() {
		ReuseportWebServer server = this.webServer.get();
		KernelSettings kernel = KernelSettings.read();
		KernelDescriptor kernelDescriptor = new KernelDescriptor(kernel.release(),
				kernel.somaxconn().isPresent() ? kernel.somaxconn().getAsInt() : null,
				kernel.tcpMigrateReq().isPresent() ? kernel.tcpMigrateReq().getAsInt() : null);
		if (server == null) {
			return new ReuseportDescriptor(null, -1, kernelDescriptor, null, List.of());
		}
		BalanceDescriptor balance = new BalanceDescriptor(server.getBalancing().enabled(),
				server.getBalancing().marginRatio(), server.getBalancing().marginConnections(),
				server.getActiveConnectionImbalance());
		return new ReuseportDescriptor(server.getTransport().id(), server.getPort(), kernelDescriptor, balance,
				server.getListeners().stream().map(ListenerDescriptor::of).toList());
	}

	/**
	 * Describe one listener.
	 * @param listener the listener index
	 * @return the description, or {@code null} (a 404) when there is no such listener
	 */
	@ReadOperation
	public @Nullable ListenerDescriptor listener(@Selector int listener) {
		ReuseportWebServer server = this.webServer.get();
		if (server == null || listener < 0 || listener >= server.getListeners().size()) {
			return null;
		}
		return ListenerDescriptor.of(server.getListeners().get(listener));
	}

	/**
	 * Description of the server.
	 *
	 * @param transport the transport of the listeners, {@code epoll} or {@code io_uring},
	 * or {@code null} when the application has no reuseport server (for example after
	 * falling back to a single socket)
	 * @param port the port every listener is bound to, or -1 when not running
	 * @param kernel the kernel settings that shape the listeners
	 * @param balance the balancing of open connections across the event loops, or
	 * {@code null} when the application has no reuseport server
	 * @param listeners the listeners, by index
	 */
	public record ReuseportDescriptor(@Nullable String transport, int port, KernelDescriptor kernel,
			@Nullable BalanceDescriptor balance, List<ListenerDescriptor> listeners) implements OperationResponseBody {
	}

	/**
	 * Balancing of open connections across the listeners' event loops.
	 *
	 * @param enabled whether a listener hands a connection to a less-loaded loop
	 * @param marginRatio the tolerated spread, as a fraction of the mean
	 * @param marginConnections the tolerated spread, in connections
	 * @param activeImbalance the spread of open connections across the loops now, as
	 * {@code (max - min) / mean}; the {@code reuseport.listeners.active.imbalance} gauge
	 */
	public record BalanceDescriptor(boolean enabled, double marginRatio, int marginConnections,
			double activeImbalance) {
	}

	/**
	 * Kernel settings, read from {@code /proc/sys} of the server's network namespace.
	 *
	 * @param release the kernel release
	 * @param somaxconn {@code net.core.somaxconn}, the cap on each accept queue
	 * @param tcpMigrateReq {@code net.ipv4.tcp_migrate_req}: 1 when connections queued on
	 * a closing listener move to another listener instead of being reset
	 */
	public record KernelDescriptor(@Nullable String release, @Nullable Integer somaxconn,
			@Nullable Integer tcpMigrateReq) {
	}

	/**
	 * Description of one listener.
	 *
	 * @param index the listener index
	 * @param open whether the listening socket is bound and open
	 * @param address the bound address, or {@code null} when not bound
	 * @param fd the file descriptor of the listening socket, or -1 when not bound
	 * @param thread the name of the event loop thread that accepts and serves
	 * @param activeConnections the open connections it accepted
	 * @param acceptedConnections the connections it accepted in total
	 * @param handoffs the connections it accepted and handed to another listener's loop
	 * @param servedConnections the open connections served on its loop, whichever
	 * listener accepted them
	 * @param requests the HTTP requests received on its connections
	 * @param acceptQueue its accept queue now, or {@code null} when not bound
	 */
	public record ListenerDescriptor(int index, boolean open, @Nullable String address, int fd, String thread,
			long activeConnections, long acceptedConnections, long handoffs, long servedConnections, long requests,
			@Nullable AcceptQueue acceptQueue) implements OperationResponseBody {

		static ListenerDescriptor of(ReuseportListener listener) {
			SocketAddress address = listener.localAddress();
			return new ListenerDescriptor(listener.index(), listener.isOpen(),
					(address != null) ? address.toString() : null, listener.fileDescriptor(), listener.threadName(),
					listener.activeConnections(), listener.acceptedConnections(), listener.handedOffConnections(),
					listener.servedConnections(), listener.requestsReceived(), listener.acceptQueue().orElse(null));
		}

	}

}
