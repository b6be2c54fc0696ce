package dev.reuseport.test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@link TestApplication#main} in a JVM of its own whose classpath lacks some jars,
 * for tests of what a missing dependency changes: the application starts, logs its
 * startup and stops.
 */
public final class ForkedApplication {

	private ForkedApplication() {
	}

	/**
	 * Run the application and return its output once it exits.
	 * @param output the directory of its log
	 * @param withoutJars the jars to leave out: those whose paths contain any of these
	 * @param arguments its command-line arguments, such as
	 * {@code --reuseport.transport=auto}
	 * @return what it printed
	 * @throws IOException when it cannot be started or its log read
	 * @throws InterruptedException when interrupted while waiting for it
	 */
	public static String run(Path output, List<String> withoutJars, String... arguments)
			throws IOException, InterruptedException {
		String classpath = String.join(File.pathSeparator,
				Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
					.filter((entry) -> withoutJars.stream().noneMatch(entry::contains))
					.toList());
		List<String> command = new ArrayList<>(
				List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
						"-cp", classpath, TestApplication.class.getName()));
		command.addAll(List.of(arguments));
		Path log = output.resolve("application.log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the application exited").isTrue();
		}
		finally {
			process.destroyForcibly();
		}
		return Files.readString(log, StandardCharsets.UTF_8);
	}

}
