package dev.reuseport.bench.report;

import java.util.List;

import dev.reuseport.bench.report.StallRun.LoopStall;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link StallRun}.
 */
class StallRunTests {

	/**
	 * Two loops blocked for 1 s each: loop-1 (the listener) delays every connection
	 * started early in its block, loop-2 one in four.
	 */
	private static final String SAMPLES = """
			# comment
			loop loop-1 true 1000.0 2000.0
			loop loop-2 false 3000.0 4000.0
			conn 10.0 0.2 1.0 ok
			conn 1000.0 0.2 999.0 ok
			conn 1100.0 0.2 900.0 ok
			conn 1200.0 0.2 800.0 ok
			conn 1300.0 0.2 700.0 ok
			conn 1700.0 0.2 300.0 ok
			conn 3000.0 0.2 2.0 ok
			conn 3100.0 0.2 3.0 ok
			conn 3200.0 0.2 NaN failed
			conn 3300.0 0.2 4.0 ok
			conn 3800.0 0.2 200.0 ok
			""";

	@Test
	void connectionsCountForABlockWhenItCouldDelayThemPastTheThreshold() {
		List<LoopStall> loops = StallRun.parse(SAMPLES).loops();
		assertThat(loops).extracting(LoopStall::loop).containsExactly("loop-1", "loop-2");
		// started before 1500 ms: the one at 1700 ms could wait at most 300 ms
		assertThat(loops.get(0).connections()).isEqualTo(4);
		assertThat(loops.get(0).delayedShare()).isEqualTo(1.0);
		assertThat(loops.get(0).listener()).isTrue();
		assertThat(loops.get(0).p50()).isEqualTo(800.0);
		assertThat(loops.get(0).max()).isEqualTo(999.0);
		// a failed connection counts as delayed
		assertThat(loops.get(1).connections()).isEqualTo(4);
		assertThat(loops.get(1).delayedShare()).isEqualTo(0.25);
		assertThat(loops.get(1).max()).isInfinite();
	}

	@Test
	void worstLoopAndMeanOverLoops() {
		StallRun run = StallRun.parse(SAMPLES);
		assertThat(run.worst().loop()).isEqualTo("loop-1");
		assertThat(run.meanShare()).isCloseTo(0.625, within(1e-9));
	}

	@Test
	void blockWithoutNewConnectionsIsNotTheWorstLoop() {
		StallRun run = StallRun.parse(SAMPLES.replace("loop loop-1 true 1000.0 2000.0",
				"loop loop-0 true 500.0 900.0\nloop loop-1 true 1000.0 2000.0"));
		assertThat(run.loops().get(0).delayedShare()).isNaN();
		assertThat(run.worst().loop()).isEqualTo("loop-1");
		assertThat(run.meanShare()).isCloseTo(0.625, within(1e-9));
	}

	@Test
	void p999CoversEveryConnectionStartedDuringAnyBlock() {
		StallRun run = StallRun.parse(SAMPLES);
		// 10 connections in blocks (not the one at 10 ms), the failed one last
		assertThat(run.stalledTimes()).hasSize(10).startsWith(2.0, 3.0, 4.0, 200.0, 300.0);
		assertThat(run.p999()).isInfinite();
	}

	@Test
	void samplesWithoutBlocksAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> StallRun.parse("conn 1.0 0.1 1.0 ok\n"))
			.withMessageContaining("no 'loop' lines");
	}

}
