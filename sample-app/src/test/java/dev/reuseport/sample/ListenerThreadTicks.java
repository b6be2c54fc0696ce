package dev.reuseport.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU time that the listener threads of a process have used, in clock ticks, read by
 * the kernel's accounting in {@code /proc/PID/task/TID/stat}, not by the process.
 */
final class ListenerThreadTicks {

	// The kernel keeps the first 15 characters of a thread's name
	private static final String LISTENER_COMM = SampleAppSupport.LOOP_PREFIX.substring(0, 15);

	private ListenerThreadTicks() {
	}

	/**
	 * Return the clock ticks per second of {@code /proc}'s CPU times.
	 * @return the ticks per second, from {@code getconf CLK_TCK}
	 */
	static int perSecond() {
		return Integer
			.parseInt(Commands.run(List.of("getconf", "CLK_TCK"), null, Map.of(), Duration.ofSeconds(10)).trim());
	}

	/**
	 * Return the user and system CPU time of the listener threads of a process so far.
	 * @param pid the process
	 * @return the ticks
	 */
	static long of(long pid) {
		try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
			return tasks.mapToLong(ListenerThreadTicks::listenerTicks).sum();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read the threads of process " + pid, ex);
		}
	}

	private static long listenerTicks(Path task) {
		try {
			String stat = Files.readString(task.resolve("stat"));
			// pid (comm) state ...: the name may hold spaces, so split after it
			String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			if (!comm.startsWith(LISTENER_COMM)) {
				return 0;
			}
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			// Fields 14 and 15 of stat, utime and stime, counted from the state (field 3)
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
		}
		catch (NoSuchFileException ex) {
			// A thread that has just ended
			return 0;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + task, ex);
		}
	}

}
