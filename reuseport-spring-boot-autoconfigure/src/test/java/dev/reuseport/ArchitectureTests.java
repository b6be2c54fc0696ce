package dev.reuseport;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests of the shape of the main code: no class-level dependency cycle of more than three
 * classes, as {@code jdeps -verbose:class -filter:none target/classes} shows them (nested
 * classes counted with their top-level class), and no class over 200 lines of code
 * besides the {@code @ConfigurationProperties} class.
 */
class ArchitectureTests {

	private static final Path CLASSES = Path.of("target/classes");

	private static final Path SOURCES = Path.of("src/main/java");

	private static final Pattern DEPENDENCY = Pattern
		.compile("^\\s+(dev\\.reuseport\\.\\S+)\\s+->\\s+(dev\\.reuseport\\.\\S+)");

	@Test
	void noDependencyCycleSpansMoreThanThreeClasses() {
		Map<String, Set<String>> dependencies = dependencies();
		assertThat(dependencies).as("classes read by jdeps").hasSizeGreaterThan(40);
		assertThat(cycles(dependencies)).as("dependency cycles of more than three classes")
			.allSatisfy((cycle) -> assertThat(cycle).hasSizeLessThanOrEqualTo(3));
	}

	@Test
	void noClassHasMoreThan200LinesOfCodeButTheConfigurationProperties() throws IOException {
		Map<Path, Long> tooLong = new LinkedHashMap<>();
		try (Stream<Path> files = Files.walk(SOURCES)) {
			for (Path file : files.filter((path) -> path.toString().endsWith(".java")).toList()) {
				String source = Files.readString(file);
				long lines = linesOfCode(source);
				if (lines > 200 && !source.contains("@ConfigurationProperties(")) {
					tooLong.put(file, lines);
				}
			}
		}
		assertThat(tooLong).isEmpty();
	}

	/**
	 * Count the lines that are neither blank nor comments.
	 */
	static long linesOfCode(String source) {
		long count = 0;
		boolean inComment = false;
		for (String line : source.split("\n")) {
			String code = line.strip();
			if (inComment) {
				int end = code.indexOf("*/");
				if (end < 0) {
					continue;
				}
				inComment = false;
				code = code.substring(end + 2).strip();
			}
			if (code.startsWith("/*")) {
				inComment = !code.contains("*/");
				continue;
			}
			if (!code.isEmpty() && !code.startsWith("//")) {
				count++;
			}
		}
		return count;
	}

	private static Map<String, Set<String>> dependencies() {
		ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
		StringWriter out = new StringWriter();
		int status = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:class",
				"-filter:none", CLASSES.toString());
		assertThat(status).as("jdeps exit status").isZero();
		Map<String, Set<String>> dependencies = new HashMap<>();
		for (String line : out.toString().split("\n")) {
			Matcher matcher = DEPENDENCY.matcher(line);
			if (matcher.find()) {
				String from = topLevel(matcher.group(1));
				String to = topLevel(matcher.group(2));
				dependencies.computeIfAbsent(from, (key) -> new TreeSet<>());
				if (!from.equals(to)) {
					dependencies.get(from).add(to);
				}
			}
		}
		return dependencies;
	}

	private static String topLevel(String className) {
		int nested = className.indexOf('$');
		return (nested < 0) ? className : className.substring(0, nested);
	}

	/**
	 * Return the strongly connected components of more than one class (Tarjan).
	 */
	private static List<Set<String>> cycles(Map<String, Set<String>> dependencies) {
		Tarjan tarjan = new Tarjan(dependencies);
		dependencies.keySet().forEach(tarjan::visitIfNew);
		return tarjan.components.stream().filter((component) -> component.size() > 1).toList();
	}

	private static final class Tarjan {

		private final Map<String, Set<String>> dependencies;

		private final Map<String, Integer> index = new HashMap<>();

		private final Map<String, Integer> lowLink = new HashMap<>();

		private final Deque<String> stack = new ArrayDeque<>();

		private final List<Set<String>> components = new ArrayList<>();

		Tarjan(Map<String, Set<String>> dependencies) {
			this.dependencies = dependencies;
		}

		void visitIfNew(String node) {
			if (!this.index.containsKey(node)) {
				visit(node);
			}
		}

		private void visit(String node) {
			this.index.put(node, this.index.size());
			this.lowLink.put(node, this.index.get(node));
			this.stack.push(node);
			for (String next : this.dependencies.getOrDefault(node, Set.of())) {
				if (!this.index.containsKey(next)) {
					visit(next);
					this.lowLink.put(node, Math.min(this.lowLink.get(node), this.lowLink.get(next)));
				}
				else if (this.stack.contains(next)) {
					this.lowLink.put(node, Math.min(this.lowLink.get(node), this.index.get(next)));
				}
			}
			if (this.lowLink.get(node).equals(this.index.get(node))) {
				Set<String> component = new TreeSet<>();
				String member;
				do {
					member = this.stack.pop();
					component.add(member);
				}
				while (!member.equals(node));
				this.components.add(component);
			}
		}

	}

}
