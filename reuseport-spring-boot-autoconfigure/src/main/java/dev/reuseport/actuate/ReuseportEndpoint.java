package dev.reuseport.actuate;

import java.net.SocketAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.reuseport.server.AcceptError;
import dev.reuseport.server.AcceptQueue;
import dev.reuseport.server.HandoverSettings;
import dev.reuseport.server.KernelSettings;
import dev.reuseport.server.OpenFiles;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.server.SocketOrigin;
import dev.reuseport.server.StallReliefSettings;
import dev.reuseport.server.StallReliefStatus;
import dev.reuseport.server.StallReport;
import dev.reuseport.server.SteeringStatus;
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
			return new ReuseportDescriptor(null, -1, kernelDescriptor, OpenFiles.read(), null, null, null, null,
					List.of(), null);
		}
		BalanceDescriptor balance = new BalanceDescriptor(server.getBalancing().enabled(),
				server.getBalancing().marginRatio(), server.getBalancing().marginConnections(),
				server.getActiveConnectionImbalance());
		StallReliefStatus status = server.getStallReliefStatus();
		StallReliefSettings settings = server.getStallRelief();
		StallReliefDescriptor stallRelief = new StallReliefDescriptor(settings.enabled(), status.active(),
				status.reason(), settings.threshold().toMillis(), settings.rejoinAfter().toMillis());
		HandoverSettings handoverSettings = server.getHandoverSettings();
		HandoverDescriptor handover = new HandoverDescriptor(
				(handoverSettings != null) ? handoverSettings.socket().toString() : null, server.isOfferingHandover(),
				server.getHandoversGiven(), server.getHandoversReceived());
		return new ReuseportDescriptor(server.getTransport().id(), server.getPort(), kernelDescriptor, OpenFiles.read(),
				balance, stallRelief, handover, server.getSteering(),
				server.getListeners().stream().map(ListenerDescriptor::of).toList(), Http3Descriptor.of(server));
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
	 * @param openFiles the process's open descriptors and its open-files limit: a
	 * listener cannot accept a connection while the process is at its limit
	 * @param balance the balancing of open connections across the event loops, or
	 * {@code null} when the application has no reuseport server
	 * @param stallRelief the relief of stalled event loops, or {@code null} when the
	 * application has no reuseport server
	 * @param handover the handover of the listening sockets to the process that replaces
	 * this one, or {@code null} when the application has no reuseport server
	 * @param steering how the kernel chooses the listener of each connection: the
	 * steering asked for, the one in force, and why they differ; {@code null} when the
	 * application has no reuseport server
	 * @param listeners the listeners, by index
	 * @param http3 the HTTP/3 listeners, one UDP socket per listener loop, or
	 * {@code null} when the application has no reuseport server
	 */
	public record ReuseportDescriptor(@Nullable String transport, int port, KernelDescriptor kernel,
			OpenFiles openFiles, @Nullable BalanceDescriptor balance, @Nullable StallReliefDescriptor stallRelief,
			@Nullable HandoverDescriptor handover, @Nullable SteeringStatus steering,
			List<ListenerDescriptor> listeners, @Nullable Http3Descriptor http3) implements OperationResponseBody {
	}

	/**
	 * The handover of the listening sockets between the processes of a restart.
	 *
	 * @param socket the path of the handover socket ({@code reuseport.handover.socket}),
	 * or {@code null} when none is configured
	 * @param offering whether the server offers its listening sockets on it now
	 * @param given how many times the server handed its sockets over to another process
	 * @param received how many times the server started on another process's sockets
	 */
	public record HandoverDescriptor(@Nullable String socket, boolean offering, long given, long received) {
	}

	/**
	 * Relief of stalled event loops.
	 *
	 * @param enabled whether the loops are watched
	 * ({@code reuseport.stall-relief.enabled})
	 * @param active whether the listener of a stalled loop is withdrawn from the port
	 * @param inactiveReason why it is not, with the fix; {@code null} when active
	 * @param thresholdMillis how long a loop may go without a heartbeat before it counts
	 * as stalled
	 * @param rejoinAfterMillis how long a withdrawn listener's loop must stay healthy
	 * before it rejoins
	 */
	public record StallReliefDescriptor(boolean enabled, boolean active, @Nullable String inactiveReason,
			long thresholdMillis, long rejoinAfterMillis) {
	}

	/**
	 * The last stall of a listener's event loop.
	 *
	 * @param startedAt when the loop last ran its heartbeat before the stall
	 * @param durationMillis how long the loop was blocked, until now while it lasts
	 * @param ongoing whether the loop is still stalled
	 * @param withdrew whether the stall withdrew the listener from the port
	 * @param topFrames the top frames of the loop thread's stack when the stall was
	 * detected: the code that blocked it
	 */
	public record StallDescriptor(Instant startedAt, long durationMillis, boolean ongoing, boolean withdrew,
			List<String> topFrames) {

		/**
		 * How many frames of the stack the endpoint shows; the log has all of them.
		 */
		static final int TOP_FRAMES = 10;

		static StallDescriptor of(StallReport report) {
			return new StallDescriptor(report.startedAt(), report.duration().toMillis(), report.ongoing(),
					report.withdrawn(),
					report.stackTrace().stream().limit(TOP_FRAMES).map(StackTraceElement::toString).toList());
		}

	}

	/**
	 * Balancing of open connections across the listeners' event loops.
	 *
	 * @param enabled whether a listener hands a connection to a less-loaded loop
	 * @param marginRatio the tolerated spread, as a fraction of the mean
	 * @param marginConnections the tolerated spread, in connections
	 * @param activeImbalance the spread of open connections across the loops now, as
	 * {@code (max - min - 1) / mean} and at least 0; the
	 * {@code reuseport.listeners.active.imbalance} gauge
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
	 * @param acceptErrors its failed accepts by cause: {@code emfile}, {@code enfile} and
	 * {@code other}
	 * @param withdrawn whether it is withdrawn from the port while its loop is stalled:
	 * open, serving its connections, but given no new ones
	 * @param stallWithdrawals how many times a stall of its loop withdrew it
	 * @param lastStall the last stall of its loop, or {@code null} when it has not
	 * stalled
	 * @param socket where its listening socket came from: {@code bound} by this process,
	 * {@code adopted} from the process this one replaced, or {@code inherited} from
	 * systemd
	 * @param adoptedFrom the process that handed the socket over, or {@code null} unless
	 * adopted
	 * @param shared whether another process may hold the socket too (the other process of
	 * a handover, or systemd), which is then never withdrawn
	 */
	public record ListenerDescriptor(int index, boolean open, @Nullable String address, int fd, String thread,
			long activeConnections, long acceptedConnections, long handoffs, long servedConnections, long requests,
			@Nullable AcceptQueue acceptQueue, Map<String, Long> acceptErrors, boolean withdrawn, long stallWithdrawals,
			@Nullable StallDescriptor lastStall, String socket, @Nullable Long adoptedFrom, boolean shared,
			@Nullable Integer cpu) implements OperationResponseBody {

		static ListenerDescriptor of(ReuseportListener listener) {
			SocketAddress address = listener.localAddress();
			SocketOrigin origin = listener.socketOrigin();
			return new ListenerDescriptor(listener.index(), listener.isOpen(),
					(address != null) ? address.toString() : null, listener.fileDescriptor(), listener.threadName(),
					listener.activeConnections(), listener.acceptedConnections(), listener.handedOffConnections(),
					listener.servedConnections(), listener.requestsReceived(), listener.acceptQueue().orElse(null),
					acceptErrors(listener), listener.isWithdrawn(), listener.stallWithdrawals(),
					listener.lastStall().map(StallDescriptor::of).orElse(null), origin.kind().id(),
					origin.adoptedFrom().isPresent() ? origin.adoptedFrom().getAsLong() : null, listener.isShared(),
					listener.cpu().isPresent() ? listener.cpu().getAsInt() : null);
		}

		private static Map<String, Long> acceptErrors(ReuseportListener listener) {
			Map<String, Long> errors = new LinkedHashMap<>();
			for (AcceptError error : AcceptError.values()) {
				errors.put(error.tag(), listener.acceptErrors(error));
			}
			return errors;
		}

	}

}
