package dev.reuseport.autoconfigure;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.reuseport.server.ListenerTransport;
import dev.reuseport.test.ForkedApplication;
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

	private String runApplication(List<String> withoutJars, String... arguments) throws Exception {
		return ForkedApplication.run(this.output, withoutJars, arguments);
	}

}
