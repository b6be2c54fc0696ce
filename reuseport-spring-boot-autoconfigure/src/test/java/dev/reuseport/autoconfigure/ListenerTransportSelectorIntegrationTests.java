package dev.reuseport.autoconfigure;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.reuseport.server.ListenerTransport;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link ListenerTransportSelector}: the application runs in a JVM
 * of its own whose classpath lacks some of Netty's io_uring jars, so that io_uring is
 * really unavailable there while epoll is not.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ListenerTransportSelectorIntegrationTests {

	private static final String NATIVE_JAR = "netty-transport-native-io_uring";

	private static final String CLASSES_JAR = "netty-transport-classes-io_uring";

	@TempDir
	Path output;

	@Test
	void autoUsesIoUringWhenItsNativeJarIsOnTheClasspath() throws Exception {
		Transports.use(ListenerTransport.IO_URING);
		String log = runApplication(List.of(), "--reuseport.transport=auto");
		assertThat(log).contains("SO_REUSEPORT io_uring listeners").doesNotContain("io_uring is unavailable");
	}

	@Test
	void autoUsesEpollWithoutIoUringOnTheClasspath() throws Exception {
		String log = runApplication(List.of(NATIVE_JAR, CLASSES_JAR), "--reuseport.transport=auto");
		assertThat(log).contains("SO_REUSEPORT epoll listeners").doesNotContain("io_uring");
	}

	@Test
	void ioUringWithoutItsNativeLibraryWarnsOnceWithTheCauseAndUsesEpoll() throws Exception {
		String log = runApplication(List.of(NATIVE_JAR), "--reuseport.transport=io_uring");
		assertThat(log.lines().filter((line) -> line.contains("io_uring"))).singleElement()
			.asString()
			.contains(" WARN ")
			.contains("reuseport.transport is io_uring, but io_uring is unavailable, so the listeners use epoll")
			.contains("Netty's native io_uring library could not be loaded; add io.netty:" + NATIVE_JAR)
			.contains("UnsatisfiedLinkError");
		assertThat(log).contains("SO_REUSEPORT epoll listeners");
	}

	@Test
	void autoWithoutTheNativeLibraryUsesEpollAndSaysWhyAtInfo() throws Exception {
		String log = runApplication(List.of(NATIVE_JAR), "--reuseport.transport=auto");
		assertThat(log).contains("SO_REUSEPORT epoll listeners");
		assertThat(log.lines().filter((line) -> line.contains("io_uring"))).singleElement()
			.asString()
			.contains(" INFO ")
			.contains("io_uring is on the classpath but unavailable, so the listeners use epoll")
			.contains("UnsatisfiedLinkError");
	}

	@Test
	void ioUringWithoutItsNativeLibraryFailsStartupWhenRequired() throws Exception {
		String log = runApplication(List.of(NATIVE_JAR), "--reuseport.transport=io_uring", "--reuseport.required=true");
		assertThat(log).contains("APPLICATION FAILED TO START")
			.contains("reuseport.transport is io_uring, but io_uring is unavailable: Netty's native io_uring library "
					+ "could not be loaded")
			.contains("set reuseport.transport=auto")
			.doesNotContain("Netty started on port");
	}

	/**
	 * Run {@link TestApplication#main} with this JVM's classpath less the jars whose
	 * names contain any of {@code withoutJars}, and return its output once it exits.
	 */
	private String runApplication(List<String> withoutJars, String... arguments) throws Exception {
		String classpath = String.join(File.pathSeparator,
				Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
					.filter((entry) -> withoutJars.stream().noneMatch(entry::contains))
					.toList());
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
						"-cp", classpath, TestApplication.class.getName()));
		command.addAll(List.of(arguments));
		Path log = this.output.resolve("application.log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the application exited").isTrue();
		}
		finally {
			process.destroyForcibly();
		}
		return read(log);
	}

	private static String read(Path log) throws IOException {
		return Files.readString(log, StandardCharsets.UTF_8);
	}

}
