package dev.reuseport.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.IntegerUnixChannelOption;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Steers each new connection to the listener of the CPU that received it: listener
 * {@code i}'s loop is pinned to the {@code i}-th CPU that the process may run on (modulo
 * their number), and its socket declares that CPU with {@code SO_INCOMING_CPU}. Since
 * Linux 6.2 a reuseport group that has such sockets starts from the hash of the
 * connection, as always, and takes the first listener whose CPU is the one processing the
 * connection's SYN, or the hash's choice where no listener has that CPU.
 * <p>
 * {@code SO_INCOMING_CPU} rather than a classic BPF program that returns {@code cpu % n}:
 * a program indexes the group's sockets, and the indexes shift when stall relief
 * withdraws a listener or another process joins the port, sending a CPU's connections to
 * another CPU's listener, or to the other process only. A declared CPU belongs to its
 * socket: a withdrawn listener is simply no candidate, and two processes with a listener
 * on the same CPU share its connections by hash. It needs no capability either, being an
 * option of the process's own socket.
 */
final class CpuSteering {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	/**
	 * {@code setsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, cpu)}; -1 clears it.
	 */
	static final IntegerUnixChannelOption SO_INCOMING_CPU = new IntegerUnixChannelOption("SO_INCOMING_CPU", 1, 49);

	private static final long PIN_TIMEOUT_SECONDS = 5;

	private CpuSteering() {
	}

	/**
	 * Steer the connections of bound listeners by CPU, or say at WARN why not and leave
	 * them steered by hash.
	 * @param listeners the bound listeners
	 * @param kernel the kernel settings, for its release
	 * @return the steering in force
	 */
	static SteeringStatus steer(List<ReuseportListener> listeners, KernelSettings kernel) {
		String refusal = refusal(kernel.release(), isPinningAvailable());
		BitSet allowed = (refusal != null) ? new BitSet() : allowedCpus();
		if (refusal == null && allowed.isEmpty()) {
			refusal = "the CPUs that this process may run on cannot be read from /proc/self/status";
		}
		if (refusal != null) {
			return refuse(refusal);
		}
		int[] cpus = allowed.stream().toArray();
		List<ReuseportListener> steered = new ArrayList<>();
		try {
			for (ReuseportListener listener : listeners) {
				int cpu = cpus[listener.index() % cpus.length];
				pin(listener, cpu);
				steered.add(listener);
				declare(listener.channel(), cpu);
				listener.steeredTo(cpu);
			}
		}
		catch (RuntimeException ex) {
			steered.forEach((listener) -> undo(listener, allowed));
			return refuse(ex.getMessage());
		}
		return SteeringStatus.asRequested(ListenerSteering.CPU);
	}

	/**
	 * Return why CPU steering cannot be in force, before trying it.
	 * @param release the kernel release, such as {@code 6.18.44}
	 * @param pinning whether the loops can be pinned
	 * @return the reason, with the fix, or {@code null}
	 */
	static @Nullable String refusal(@Nullable String release, boolean pinning) {
		if (!isAtLeast(release, 6, 2)) {
			return "the kernel (" + release + ") is older than Linux 6.2, whose SO_REUSEPORT groups are the first "
					+ "to prefer the listener of a connection's CPU";
		}
		if (!pinning) {
			return "net.openhft:affinity, which pins the listener loops to their CPUs, is not on the classpath; "
					+ "add it as a dependency";
		}
		return null;
	}

	private static boolean isPinningAvailable() {
		// Not LoopPinning's to say: that class needs the library to load
		return ClassUtils.isPresent("net.openhft.affinity.Affinity", CpuSteering.class.getClassLoader());
	}

	private static boolean isAtLeast(@Nullable String release, int major, int minor) {
		if (release == null) {
			return false;
		}
		String[] parts = release.split("[.-]");
		try {
			int releaseMajor = Integer.parseInt(parts[0]);
			int releaseMinor = (parts.length > 1) ? Integer.parseInt(parts[1]) : 0;
			return releaseMajor > major || (releaseMajor == major && releaseMinor >= minor);
		}
		catch (NumberFormatException ex) {
			return false;
		}
	}

	/**
	 * Read the CPUs that this process may run on ({@code sched_getaffinity}, as the
	 * kernel shows it in {@code Cpus_allowed_list}).
	 * @return the CPUs, none when they cannot be read
	 */
	static BitSet allowedCpus() {
		try {
			return Files.readAllLines(Path.of("/proc/self/status"))
				.stream()
				.filter((line) -> line.startsWith("Cpus_allowed_list:"))
				.findFirst()
				.map((line) -> cpuList(line.substring(line.indexOf(':') + 1).strip()))
				.orElseGet(BitSet::new);
		}
		catch (IOException | RuntimeException ex) {
			return new BitSet();
		}
	}

	/**
	 * Parse a CPU list as the kernel writes it, such as {@code 0-3,8,10-11}.
	 * @param list the list
	 * @return the CPUs
	 */
	static BitSet cpuList(String list) {
		BitSet cpus = new BitSet();
		for (String range : list.split(",")) {
			if (range.isBlank()) {
				continue;
			}
			String[] bounds = range.strip().split("-");
			int first = Integer.parseInt(bounds[0]);
			int last = (bounds.length > 1) ? Integer.parseInt(bounds[1]) : first;
			cpus.set(first, last + 1);
		}
		return cpus;
	}

	private static void pin(ReuseportListener listener, int cpu) {
		EventLoop loop = listener.eventLoop();
		if (loop == null) {
			throw new IllegalStateException("listener " + listener.index() + " has no loop");
		}
		try {
			loop.submit(() -> LoopPinning.pinCurrentThread(cpu)).get(PIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("the loop of listener " + listener.index() + " cannot be pinned to CPU "
					+ cpu + ": " + ex.getCause().getMessage(), ex.getCause());
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("the loop of listener " + listener.index() + " did not run its pinning "
					+ "within " + PIN_TIMEOUT_SECONDS + " s", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while pinning the loop of listener " + listener.index(), ex);
		}
	}

	private static void declare(@Nullable Channel channel, int cpu) {
		if (channel == null || !channel.config().setOption(SO_INCOMING_CPU, cpu)) {
			throw new IllegalStateException("the listening socket does not take SO_INCOMING_CPU (" + channel + ")");
		}
	}

	private static void undo(ReuseportListener listener, BitSet allowed) {
		listener.steeredTo(-1);
		Channel channel = listener.channel();
		if (channel != null && channel.isOpen()) {
			channel.config().setOption(SO_INCOMING_CPU, -1);
		}
		EventLoop loop = listener.eventLoop();
		if (loop != null) {
			loop.execute(() -> LoopPinning.unpinCurrentThread(allowed));
		}
	}

	private static SteeringStatus refuse(String reason) {
		logger.warn("reuseport.steering=cpu is not in force: " + reason + ". The kernel steers connections by hash");
		return SteeringStatus.refused(reason);
	}

}
