package dev.reuseport.sample;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Support for tests that talk to the sample application over real sockets on
 * 127.0.0.1: free ports, listening sockets read from {@code /proc/net/tcp*}, raw HTTP/1.1
 * requests on a fresh connection each, and the application's executable jar run as a
 * separate process.
 */
final class SampleAppSupport {

	/**
	 * The address every test binds to and connects to.
	 */
	static final String HOST = "127.0.0.1";

	/**
	 * Prefix of the thread name of each listener's event loop; the listener index follows
	 * it.
	 */
	static final String LOOP_PREFIX = "reuseport-listener-";

	/**
	 * Line that the application logs once it has started, management server included.
	 */
	static final String STARTED = "Started SampleApplication";

	private static final int SOCKET_TIMEOUT_MILLIS = 10_000;

	private static final String LISTEN = "0A";

	private static final List<Path> TCP_TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

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
	 * Return the number of TCP sockets, IPv4 and IPv6, that listen on {@code port} in
	 * this network namespace, whichever process owns them.
	 * @param port the local port
	 * @return the number of listening sockets
	 */
	static long listeningSockets(int port) {
		long count = 0;
		for (Path table : TCP_TABLES) {
			if (Files.isReadable(table)) {
				try (Stream<String> lines = Files.lines(table)) {
					// sl local_address rem_address st ...; the address is hex "ADDR:PORT"
					count += lines.skip(1)
						.map((line) -> line.trim().split("\\s+"))
						.filter((fields) -> LISTEN.equals(fields[3]) && localPort(fields[1]) == port)
						.count();
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		}
		return count;
	}

	private static int localPort(String localAddress) {
		return Integer.parseInt(localAddress.substring(localAddress.lastIndexOf(':') + 1), 16);
	}

	/**
	 * Send {@code GET path} on a new connection that the request asks the server to close,
	 * and read the response to the end of the stream.
	 * @param port the port on {@link #HOST}
	 * @param path the request target
	 * @param headers extra header lines, such as {@code "Accept: application/json"}
	 * @return the response
	 */
	static HttpResponse get(int port, String path, String... headers) {
		StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: x\r\n");
		for (String header : headers) {
			request.append(header).append("\r\n");
		}
		request.append("Connection: close\r\n\r\n");
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(HOST, port), SOCKET_TIMEOUT_MILLIS);
			socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
			OutputStream output = socket.getOutputStream();
			output.write(request.toString().getBytes(StandardCharsets.US_ASCII));
			output.flush();
			return HttpResponse.parse(socket.getInputStream().readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("GET " + path + " on port " + port + " failed", ex);
		}
	}

	/**
	 * Ask the sample application on {@code port} who answered, in plain text, on a new
	 * connection.
	 * @param port the application port
	 * @return the answer
	 */
	static WhoAmI whoAmI(int port) {
		HttpResponse response = get(port, "/");
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
	 * A response read from the wire.
	 *
	 * @param status the status code
	 * @param headers the headers, by case-insensitive name
	 * @param body the body, de-chunked and decoded as UTF-8
	 */
	record HttpResponse(int status, Map<String, String> headers, String body) {

		String header(String name) {
			return this.headers.get(name);
		}

		static HttpResponse parse(byte[] bytes) {
			// ISO-8859-1 maps each byte to one char, so offsets in the text are offsets
			// in the bytes.
			String text = new String(bytes, StandardCharsets.ISO_8859_1);
			int headEnd = text.indexOf("\r\n\r\n");
			assertThat(headEnd).as("end of the headers in '%s'", text).isNotNegative();
			String[] head = text.substring(0, headEnd).split("\r\n");
			assertThat(head[0]).as("status line").startsWith("HTTP/1.1 ");
			int status = Integer.parseInt(head[0].split(" ")[1]);
			Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
			for (int i = 1; i < head.length; i++) {
				int colon = head[i].indexOf(':');
				headers.put(head[i].substring(0, colon).trim(), head[i].substring(colon + 1).trim());
			}
			byte[] body = Arrays.copyOfRange(bytes, headEnd + 4, bytes.length);
			if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
				body = dechunk(body);
			}
			return new HttpResponse(status, headers, new String(body, StandardCharsets.UTF_8));
		}

		private static byte[] dechunk(byte[] chunked) {
			String text = new String(chunked, StandardCharsets.ISO_8859_1);
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			int position = 0;
			while (true) {
				int lineEnd = text.indexOf("\r\n", position);
				assertThat(lineEnd).as("chunk size line in '%s'", text).isNotNegative();
				String size = text.substring(position, lineEnd).split(";")[0].trim();
				int length = Integer.parseInt(size, 16);
				if (length == 0) {
					return body.toByteArray();
				}
				body.write(chunked, lineEnd + 2, length);
				position = lineEnd + 2 + length + 2;
			}
		}

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
		 * Run {@code java [jvmArguments] -jar <sample.jar> [arguments]}. The jar is
		 * named by the {@code sample.jar} system property, which the failsafe plugin
		 * sets.
		 * @param name the name of the output file, unique among the tests
		 * @param jvmArguments the JVM's arguments
		 * @param arguments the application's arguments
		 * @return the running process
		 */
		static SampleProcess start(String name, List<String> jvmArguments, String... arguments) {
			String jarProperty = System.getProperty("sample.jar");
			assertThat(jarProperty).as("system property sample.jar (set by the failsafe plugin)").isNotBlank();
			Path jar = Path.of(jarProperty).toAbsolutePath();
			assertThat(jar).as("the sample application's executable jar").isRegularFile();
			List<String> command = new ArrayList<>();
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
	 * Stop a process that a test started: SIGTERM, so that it can shut down, then
	 * SIGKILL if it is still running after {@code timeout}.
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
