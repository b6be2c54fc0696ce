package dev.reuseport.sample;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import org.awaitility.core.ConditionTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Support for tests that talk to the sample application over real sockets on 127.0.0.1:
 * free ports, its answer to {@code GET /}, and its executable jar run as a separate
 * process. Raw HTTP, socket listings and prerequisites come from the auto-configuration's
 * test helpers.
 */
final class SampleAppSupport {

	/**
	 * The address every test binds to and connects to.
	 */
	static final String HOST = RawHttp.HOST;

	/**
	 * Prefix of the thread name of each listener's event loop; the listener index follows
	 * it.
	 */
	static final String LOOP_PREFIX = "reuseport-listener-";

	/**
	 * Line that the application logs once it has started, management server included.
	 */
	static final String STARTED = "Started SampleApplication";

	private static final Pattern WHO_AM_I = Pattern
		.compile("gid: (\\d+), pid: (\\d+), listener: (-?\\d+), loop: (\\S+)");

	private SampleAppSupport() {
	}

	/**
	 * Return a port that was free on {@link #HOST} a moment ago.
	 * @return the port
	 */
	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return {@code count} distinct ports that were free on {@link #HOST} a moment ago.
	 * @param count the number of ports
	 * @return the ports
	 */
	static int[] freePorts(int count) {
		// Holding every socket until all are bound keeps the ports distinct
		List<ServerSocket> sockets = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				sockets.add(new ServerSocket(0, 1, InetAddress.getByName(HOST)));
			}
			return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			for (ServerSocket socket : sockets) {
				try {
					socket.close();
				}
				catch (IOException ex) {
					// Nothing more to do: the socket is released when the JVM exits
				}
			}
		}
	}

	/**
	 * Ask the sample application on {@code port} who answered, in plain text, on a new
	 * connection.
	 * @param port the application port
	 * @return the answer
	 */
	static WhoAmI whoAmI(int port) {
		Response response = RawHttp.get(port, "/");
		assertThat(response.status()).as("status of %s", response).isEqualTo(200);
		assertThat(response.header("Content-Type")).startsWith("text/plain");
		Matcher matcher = WHO_AM_I.matcher(response.body());
		assertThat(matcher.matches()).as("answer '%s' matches %s", response.body(), WHO_AM_I).isTrue();
		return new WhoAmI(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)),
				Integer.parseInt(matcher.group(3)), matcher.group(4));
	}

	/**
	 * The sample application's answer to {@code GET /}.
	 *
	 * @param gid the group id of the process
	 * @param pid the process id
	 * @param listener the index of the listener that accepted the connection, or -1
	 * @param loop the name of the thread that served the request
	 */
	record WhoAmI(long gid, long pid, int listener, String loop) {

	}

	/**
	 * The sample application's executable jar running in its own JVM, with its output
	 * written to a file under {@code target/}. Closing it stops the process.
	 */
	static final class SampleProcess implements AutoCloseable {

		private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

		private final Process process;

		private final Path output;

		private SampleProcess(Process process, Path output) {
			this.process = process;
			this.output = output;
		}

		/**
		 * Run {@code java [jvmArguments] -jar <sample.jar> [arguments]}. The jar is named
		 * by the {@code sample.jar} system property, which the failsafe plugin sets.
		 * @param name the name of the output file, unique among the tests
		 * @param jvmArguments the JVM's arguments
		 * @param arguments the application's arguments
		 * @return the running process
		 */
		static SampleProcess start(String name, List<String> jvmArguments, String... arguments) {
			return start(List.of(), name, jvmArguments, arguments);
		}

		/**
		 * Run {@code [launcher] java [jvmArguments] -jar <sample.jar> [arguments]}, where
		 * the launcher runs java as its own process, with the same id: for example
		 * {@code prlimit --nofile=300:300}.
		 * @param launcher the launcher and its arguments
		 * @param name the name of the output file, unique among the tests
		 * @param jvmArguments the JVM's arguments
		 * @param arguments the application's arguments
		 * @return the running process
		 */
		static SampleProcess start(List<String> launcher, String name, List<String> jvmArguments, String... arguments) {
			String jarProperty = System.getProperty("sample.jar");
			assertThat(jarProperty).as("system property sample.jar (set by the failsafe plugin)").isNotBlank();
			Path jar = Path.of(jarProperty).toAbsolutePath();
			assertThat(jar).as("the sample application's executable jar").isRegularFile();
			List<String> command = new ArrayList<>(launcher);
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.addAll(jvmArguments);
			command.add("-jar");
			command.add(jar.toString());
			command.addAll(List.of(arguments));
			try {
				Path directory = Files.createDirectories(jar.resolveSibling("sample-processes"));
				Path output = directory.resolve(name + ".log");
				Process process = new ProcessBuilder(command).redirectErrorStream(true)
					.redirectOutput(output.toFile())
					.redirectInput(Redirect.from(new File("/dev/null")))
					.start();
				return new SampleProcess(process, output);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not run " + command, ex);
			}
		}

		long pid() {
			return this.process.pid();
		}

		/**
		 * Return what the process has written to its standard output and error so far.
		 * @return the output
		 */
		String output() {
			try {
				return new String(Files.readAllBytes(this.output), StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		List<String> outputLines() {
			return output().lines().toList();
		}

		/**
		 * Wait until the output contains {@code text}, failing with the whole output if
		 * the process exits first or the time runs out.
		 * @param text the text to wait for
		 * @param timeout how long to wait
		 */
		void awaitOutput(String text, Duration timeout) {
			try {
				await().atMost(timeout)
					.pollInterval(Duration.ofMillis(100))
					.until(() -> !this.process.isAlive() || output().contains(text));
			}
			catch (ConditionTimeoutException ex) {
				// Reported below, with the output
			}
			assertThat(output()).as("output of %s (%s)", this.output, describeState()).contains(text);
		}

		/**
		 * Wait until the application has started, management server included.
		 * @param timeout how long to wait
		 */
		void awaitStarted(Duration timeout) {
			awaitOutput(STARTED, timeout);
		}

		/**
		 * Wait for the process to exit by itself, failing with the whole output if the
		 * application starts instead or the time runs out.
		 * @param timeout how long to wait
		 * @return the exit value
		 */
		int awaitExit(Duration timeout) {
			try {
				await().atMost(timeout)
					.pollInterval(Duration.ofMillis(100))
					.until(() -> !this.process.isAlive() || output().contains(STARTED));
			}
			catch (ConditionTimeoutException ex) {
				// Reported below, with the output
			}
			assertThat(this.process.isAlive()).as("%s is still running; output:%n%s", this.output, output()).isFalse();
			return this.process.exitValue();
		}

		/**
		 * Wait for the process, started or not, to exit by itself.
		 * @param timeout how long to wait
		 * @return the exit value
		 */
		int awaitExitOnItsOwn(Duration timeout) {
			try {
				assertThat(this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
					.as("%s exited within %s; output:%n%s", this.output, timeout, output())
					.isTrue();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			return this.process.exitValue();
		}

		private String describeState() {
			return this.process.isAlive() ? "pid " + pid() + " running" : "exited with " + this.process.exitValue();
		}

		/**
		 * Stop the process: SIGTERM, so that the application shuts down, then SIGKILL if
		 * it is still running after a while.
		 */
		@Override
		public void close() {
			stop(this.process, STOP_TIMEOUT);
		}

	}

	/**
	 * Stop a process that a test started: SIGTERM, so that it can shut down, then SIGKILL
	 * if it is still running after {@code timeout}.
	 * @param process the process
	 * @param timeout how long to wait after each signal
	 */
	static void stop(Process process, Duration timeout) {
		process.destroy();
		try {
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			process.destroyForcibly();
		}
	}

}
