package dev.reuseport.test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

import com.sun.security.auth.module.UnixSystem;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.fail;

/**
 * Checks what a test needs from the machine. A missing prerequisite skips the test on a
 * developer's machine but fails it in CI ({@code CI=true}), where every prerequisite is
 * installed, so that a required test never passes there by being skipped.
 */
public final class Prerequisites {

	private Prerequisites() {
	}

	/**
	 * Require that the test runs as root.
	 * @param why what the test does that needs root
	 */
	public static void requireRoot(String why) {
		require(new UnixSystem().getUid() == 0, why + " needs root");
	}

	/**
	 * Return the executable {@code name} from the {@code PATH}.
	 * @param name the executable
	 * @param install how to install it
	 * @return its path
	 */
	public static Path requireTool(String name, String install) {
		Optional<Path> tool = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
			.filter((directory) -> !directory.isEmpty())
			.map((directory) -> Path.of(directory, name))
			.filter(Files::isExecutable)
			.findFirst();
		require(tool.isPresent(), name + " is not on the PATH; " + install);
		return tool.orElseThrow();
	}

	/**
	 * Skip the test, or fail it in CI, unless a prerequisite is met.
	 * @param met whether the prerequisite is met
	 * @param missing what is missing, as a sentence without a final period
	 */
	public static void require(boolean met, String missing) {
		if (met) {
			return;
		}
		if ("true".equals(System.getenv("CI"))) {
			fail(missing + ". It is required in CI (CI=true).");
		}
		Assumptions.abort(missing + ". Skipping; this test is required in CI (CI=true).");
	}

}
