package dev.reuseport.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ngtcp2's example HTTP/3 client {@code gtlsclient} (Debian's {@code ngtcp2-client}:
 * ngtcp2, nghttp3 and GnuTLS), which shares no code with Netty. It exits 0 whether or not
 * a response came, so an exchange is read from what it printed and downloaded.
 */
public final class GtlsClient {

	private static final Pattern STATUS = Pattern.compile("http: stream 0x([0-9a-f]+) \\[:status: (\\d+)]");

	private final Path tool;

	private final Path directory;

	/**
	 * A client that downloads into a directory.
	 * @param directory where each response body is saved, under its path's last segment
	 */
	public GtlsClient(Path directory) {
		this.tool = Prerequisites.requireTool("gtlsclient", "install Debian's ngtcp2-client");
		this.directory = directory;
	}

	/**
	 * Send requests on one QUIC connection to 127.0.0.1, and wait for the client to exit.
	 * @param port the UDP port
	 * @param options the client's options, such as {@code --nat-rebinding}
	 * @param paths the paths of the requests, sent in this order on streams 0, 4, 8...
	 * @return the exchange
	 * @throws IOException when the client cannot be run
	 * @throws InterruptedException when interrupted while waiting for it
	 */
	public Exchange exchange(int port, List<String> options, String... paths) throws IOException, InterruptedException {
		try (var files = Files.list(this.directory)) {
			for (Path file : files.toList()) {
				Files.delete(file);
			}
		}
		List<String> command = new ArrayList<>(List.of(this.tool.toString(), "--exit-on-all-streams-close",
				"--no-quic-dump", "--timeout=5s", "--download=" + this.directory));
		command.addAll(options);
		command.addAll(List.of("127.0.0.1", String.valueOf(port)));
		for (String path : paths) {
			command.add("https://localhost:" + port + path);
		}
		Path log = Files.createTempFile("gtlsclient", ".log");
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
			assertThat(process.isAlive()).as("gtlsclient still runs after 30 s").isFalse();
			return new Exchange(Files.readString(log, StandardCharsets.ISO_8859_1), this.directory);
		}
		finally {
			Files.deleteIfExists(log);
		}
	}

	/**
	 * What the client printed and downloaded.
	 *
	 * @param output the client's output
	 * @param directory where it saved the response bodies
	 */
	public record Exchange(String output, Path directory) {

		/**
		 * Return the status of the response on a stream.
		 * @param request the index of the request, in the order of its path
		 * @return the status, or -1 when no response came
		 */
		public int status(int request) {
			Matcher matcher = STATUS.matcher(this.output);
			while (matcher.find()) {
				if (Long.parseLong(matcher.group(1), 16) == 4L * request) {
					return Integer.parseInt(matcher.group(2));
				}
			}
			return -1;
		}

		/**
		 * Return a downloaded response body.
		 * @param name the last segment of the request's path
		 * @return the body
		 * @throws IOException when no body was saved under that name
		 */
		public String body(String name) throws IOException {
			return Files.readString(this.directory.resolve(name), StandardCharsets.UTF_8);
		}

	}

}
