package dev.reuseport.sample;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs external commands (tools, scripts) for tests: to their end, within a time limit,
 * with their output kept in a file rather than a pipe, so that a command that leaves a
 * process behind cannot block the test.
 */
final class Commands {

	private Commands() {
	}

	/**
	 * Run a command to its end and fail, with its output, unless it exits with 0 within
	 * {@code timeout}.
	 * @param command the command line
	 * @param directory the working directory, or {@code null} for this process's
	 * @param environment variables to add to the command's environment
	 * @param timeout how long the command may take
	 * @return its output, standard error included
	 */
	static String run(List<String> command, @Nullable Path directory, Map<String, String> environment,
			Duration timeout) {
		Path output = null;
		try {
			output = Files.createTempFile("command", ".log");
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.redirectInput(Redirect.from(new File("/dev/null")));
			if (directory != null) {
				builder.directory(directory.toFile());
			}
			builder.environment().putAll(environment);
			Process process = builder.start();
			boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (!exited) {
				process.destroyForcibly().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
			String text = Files.readString(output);
			assertThat(exited && process.exitValue() == 0)
				.as("%s succeeded within %s; output:%n%s", command, timeout, text)
				.isTrue();
			return text;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not run " + command, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running " + command, ex);
		}
		finally {
			if (output != null) {
				output.toFile().delete();
			}
		}
	}

}
