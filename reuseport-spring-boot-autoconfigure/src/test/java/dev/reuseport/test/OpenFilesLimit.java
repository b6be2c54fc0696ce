package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The open-files limit of this process as the kernel states it in
 * {@code /proc/self/limits}, so that tests check the starter's figures against a source
 * of their own.
 */
public final class OpenFilesLimit {

	private OpenFilesLimit() {
	}

	/**
	 * Return the soft open-files limit of this process.
	 * @return the limit
	 */
	public static long soft() {
		try {
			// Max open files 1048576 1048576 files
			String line = Files.readAllLines(Path.of("/proc/self/limits"))
				.stream()
				.filter((candidate) -> candidate.startsWith("Max open files"))
				.findFirst()
				.orElseThrow();
			return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
