package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * Whether a {@link ReuseportGroup} may share its port with listening sockets that are
 * already on it: only when it is asked to join them ({@code reuseport.join-existing}), as
 * Spring Boot's server fails otherwise. Checked before the group binds, so that the start
 * fails before any listener could take a connection, and again once it has bound: a
 * process started at the same instant may have bound in between, and both then refuse
 * rather than share by accident. A port chosen by the kernel (0) is never shared.
 */
final class PortSharing {

	private final @Nullable InetSocketAddress address;

	private final boolean joinExisting;

	/**
	 * Create the checks of one start.
	 * @param configured the configured address and port, or {@code null} for no IP
	 * address
	 * @param joinExisting whether the group may join the listeners on the port
	 */
	PortSharing(@Nullable InetSocketAddress configured, boolean joinExisting) {
		this.address = (configured != null && configured.getPort() > 0) ? configured : null;
		this.joinExisting = joinExisting;
	}

	/**
	 * Check the port before the group binds.
	 * @param adopted the inodes of the sockets that the group adopts, which are its own
	 * @return the other listeners on the port, which the group joins
	 * @throws ReuseportPortInUseException if there are any and the group may not join
	 * them
	 */
	PortListeners beforeBind(Collection<String> adopted) {
		if (this.address == null) {
			return PortListeners.NONE;
		}
		PortListeners existing = PortListeners.on(this.address).without(adopted);
		refuseUnlessJoining(existing.count(), existing::pids);
		return existing;
	}

	/**
	 * Check the port once the group has bound.
	 * @param listeners the number of the group's listeners
	 * @throws ReuseportPortInUseException if others have bound meanwhile and the group
	 * may not share the port with them
	 */
	void afterBind(int listeners) {
		if (this.address == null) {
			return;
		}
		PortListeners all = PortListeners.on(this.address);
		refuseUnlessJoining(all.count() - listeners, () -> {
			Set<Long> others = new TreeSet<>(all.pids());
			others.remove(ProcessHandle.current().pid());
			return others;
		});
	}

	/**
	 * Refuse to share the port with listeners of others, unless the group joins them.
	 * @param others the number of other listeners on the address
	 * @param pids the processes that hold them, looked for only to refuse
	 */
	private void refuseUnlessJoining(int others, Supplier<Set<Long>> pids) {
		if (others > 0 && !this.joinExisting && this.address != null) {
			throw new ReuseportPortInUseException(this.address.getPort(), others, pids.get());
		}
	}

}
