package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.security.auth.module.UnixSystem;
import org.junit.jupiter.api.Assumptions;

/**
 * Kernel settings as the {@code sysctl} command sees them, so that tests compare what the
 * starter reads from {@code /proc/sys} with a source that does not share its code.
 */
public final class Sysctl {

	private static final long TIMEOUT_SECONDS = 60;

	private Sysctl() {
	}

	/**
	 * Return the value of a setting as {@code sysctl -n} prints it.
	 * @param key the key, such as {@code net.core.somaxconn}
	 * @return the value, trimmed
	 */
	public static String value(String key) {
		Result result = run(List.of("sysctl", "-n", key), "");
		if (result.exitValue() != 0) {
			throw new IllegalStateException("sysctl -n " + key + " failed: " + result.output());
		}
		return result.output().trim();
	}

	/**
	 * Set a setting with {@code sysctl -w}, in the network namespace of this JVM.
	 * @param key the key, such as {@code net.ipv4.tcp_migrate_req}
	 * @param value the value
	 */
	public static void set(String key, String value) {
		Result result = run(List.of("sysctl", "-q", "-w", key + "=" + value), "");
		if (result.exitValue() != 0) {
			throw new IllegalStateException("sysctl -w " + key + "=" + value + " failed: " + result.output());
		}
	}

	/**
	 * Run the {@code main} method of a class in a new JVM, inside a network namespace of
	 * its own ({@code unshare -n}) where the given settings are set first, and return
	 * what it printed. Needs root: without it the test is skipped, or fails when
	 * {@code CI=true}, where every test is required.
	 * @param settings the settings, such as {@code net.core.somaxconn=1234}
	 * @param mainClass the class to run, with the test class path
	 * @return what the class printed, trimmed
	 */
	public static String runInNewNetworkNamespace(List<String> settings, Class<?> mainClass) {
		requireRoot("creates a network namespace with unshare -n and sets its sysctls");
		List<String> command = new ArrayList<>(List.of("unshare", "-n", "--", "sh", "-c",
				"sysctl -q -w \"$@\" >/dev/null && exec \"$JAVA\" -XX:-UsePerfData -cp \"$CLASSPATH\" \"$MAIN\"",
				"sh"));
		command.addAll(settings);
		Result result = run(command, mainClass.getName());
		if (result.exitValue() != 0) {
			throw new IllegalStateException("Failed in a new network namespace: " + result.output());
		}
		return result.output().trim();
	}

	private static void requireRoot(String why) {
		if (new UnixSystem().getUid() != 0) {
			String message = "Not root: this test " + why;
			if ("true".equals(System.getenv("CI"))) {
				throw new IllegalStateException(message + ", and it is required in CI (CI=true)");
			}
			Assumptions.abort(message + ". Skipping; this test is required in CI (CI=true).");
		}
	}

	private static Result run(List<String> command, String mainClass) {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("MAIN", mainClass);
		builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
		builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
		try {
			Process process = builder.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(command + " did not finish: " + output);
			}
			return new Result(process.exitValue(), output);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private record Result(int exitValue, String output) {

	}

}
