package dev.reuseport.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link Http3Section}, on a raw directory laid out as {@code bench/run.sh}
 * writes the http3 scenario's figures.
 */
class Http3SectionTests {

	@TempDir
	Path raw;

	@BeforeEach
	void writeRun() throws IOException {
		Files.writeString(this.raw.resolve("meta.properties"), """
				date=2026-01-01 00:00 UTC
				mode=full
				loops=4
				wrk.threads=2
				http3.servers=H1 HN
				http3.streams=4
				http3.seconds=10
				http3.rounds.completed=2
				""");
		Files.writeString(this.raw.resolve("commands.txt"), "http3: Http3Load\n");
		// H1 drifts between the rounds; HN serves twice as much in round 1 and 1.5 times
		// as much in round 2, at a lower CPU cost per request
		step(1, "H1", 64, 1000, 200, 0.98, 1);
		step(1, "HN", 64, 2000, 150, 0.60, 4);
		step(2, "H1", 64, 2000, 220, 0.99, 1);
		step(2, "HN", 64, 3000, 165, 0.70, 4);
	}

	@Test
	void ratiosToTheOneSocketServerAreTakenWithinEachRound() throws IOException {
		Http3Section section = Http3Section.load(this.raw, RunLoader.load(this.raw));
		assertThat(section.ratioToBaseline(64, "HN", "rps").median()).isCloseTo(1.75, within(1e-9));
		assertThat(section.ratioToBaseline(64, "HN", "rps").min()).isCloseTo(1.5, within(1e-9));
		assertThat(section.ratioToBaseline(64, "HN", "cpu.us.per.request").median()).isCloseTo(0.75, within(1e-9));
	}

	@Test
	void theReportHasATableForEachConnectionCount() throws IOException {
		String markdown = Report.load(this.raw).render();
		assertThat(markdown).contains("## HTTP/3")
			.contains("**64 connections**")
			.contains("| HN | 2,500 (2,000–3,000) | 1.75× (1.50–2.00) |")
			.contains("| H1 | 1,500 (1,000–2,000) | 1.00× |");
	}

	@Test
	void aStepWithoutThroughputIsAProblemOfTheHarness() throws IOException {
		Path empty = this.raw.resolve("http3/round-2/HN/c4.properties");
		Files.writeString(empty, "errors=0\n");
		RunData run = RunLoader.load(this.raw);
		Http3Section.load(this.raw, run);
		assertThat(run.problems).contains("http3: no throughput in http3/round-2/HN/c4.properties");
	}

	private void step(int round, String server, int connections, double rps, double cpuMicros, double busiest, int busy)
			throws IOException {
		Path dir = this.raw.resolve("http3/round-" + round + "/" + server);
		Files.createDirectories(dir);
		Files.writeString(dir.resolve("c" + connections + ".properties"), """
				warmup.seconds=6
				warmup.stable=true
				requests=%.0f
				seconds=10
				rps=%.1f
				errors=0
				cpu.us.per.request=%.1f
				loop.busiest=%.2f
				loops.busy=%d
				""".formatted(rps * 10, rps, cpuMicros, busiest, busy));
	}

}
