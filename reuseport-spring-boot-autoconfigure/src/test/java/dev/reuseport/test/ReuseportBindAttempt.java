package dev.reuseport.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.util.FileSystemUtils;

/**
 * Tries to bind a TCP socket with {@code SO_REUSEPORT} to an address, in a JVM of its own
 * so that a test can run it as another user. It binds without listening, so that even a
 * successful attempt takes no connection away from the server under test.
 */
public final class ReuseportBindAttempt {

	/**
	 * Exit value when the kernel refused the address with {@code EADDRINUSE}.
	 */
	public static final int ADDRESS_IN_USE = 98;

	private ReuseportBindAttempt() {
	}

	/**
	 * Run an attempt in a new JVM, prefixed by {@code command} (such as {@code setpriv}
	 * to change the user). The class is copied to a world-readable directory first, so
	 * that any user can load it.
	 * @param command the command that runs the JVM, or none
	 * @param host the address
	 * @param port the port
	 * @return the exit value and the output
	 */
	public static Result run(List<String> command, String host, int port) {
		Path classes = null;
		try {
			classes = Files.createTempDirectory("reuseport-bind-attempt",
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
			copyClassTo(classes);
			List<String> jvm = new ArrayList<>(command);
			jvm.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
					"-cp", classes.toString(), Probe.class.getName(), host, String.valueOf(port)));
			Process process = new ProcessBuilder(jvm).directory(classes.toFile()).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("Bind attempt did not finish: " + output);
			}
			return new Result(process.exitValue(), output.trim());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			if (classes != null) {
				FileSystemUtils.deleteRecursively(classes.toFile());
			}
		}
	}

	private static void copyClassTo(Path classes) throws IOException {
		String resource = Probe.class.getName().replace('.', '/') + ".class";
		Path classFile = classes.resolve(resource);
		Files.createDirectories(classFile.getParent());
		for (Path directory = classFile.getParent(); !directory.equals(classes); directory = directory.getParent()) {
			Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
		try (InputStream in = Probe.class.getClassLoader().getResourceAsStream(resource)) {
			Files.write(classFile, in.readAllBytes());
		}
		Files.setPosixFilePermissions(classFile, PosixFilePermissions.fromString("rw-r--r--"));
	}

	/**
	 * The attempt itself, with nothing but the JDK on its class path.
	 */
	static final class Probe {

		private Probe() {
		}

		/**
		 * Bind {@code args[0]:args[1]} with {@code SO_REUSEPORT}, then exit with 0, with
		 * {@link ReuseportBindAttempt#ADDRESS_IN_USE}, or with 1 on any other failure.
		 * @param args the host and the port
		 */
		public static void main(String[] args) {
			try (SocketChannel socket = SocketChannel.open()) {
				socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
				socket.bind(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
				System.out.println("bound " + socket.getLocalAddress());
				System.exit(0);
			}
			catch (BindException ex) {
				System.out.println("refused: " + ex.getMessage());
				System.exit(ADDRESS_IN_USE);
			}
			catch (IOException | RuntimeException ex) {
				System.out.println("failed: " + ex);
				System.exit(1);
			}
		}

	}

	/**
	 * The outcome of an attempt.
	 *
	 * @param exitValue 0 when bound, {@link #ADDRESS_IN_USE} when refused, 1 otherwise
	 * @param output what the attempt printed
	 */
	public record Result(int exitValue, String output) {

	}

}
