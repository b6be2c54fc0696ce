package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import dev.reuseport.server.StallDetector.Sample;
import dev.reuseport.server.StallDetector.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StallDetector}, with made-up samples of loops whose heartbeat is due
 * every quarter of the 200 ms threshold.
 */
class StallDetectorTests {

	private static final long MS = Duration.ofMillis(1).toNanos();

	private static final long THRESHOLD = 200 * MS;

	private static final long PERIOD = THRESHOLD / 4;

	private static final StallReliefSettings SETTINGS = new StallReliefSettings(true, Duration.ofNanos(THRESHOLD),
			Duration.ofSeconds(1));

	private final Loops loops = new Loops(4);

	private final StallDetector detector = new StallDetector(4, SETTINGS, true);

	// The watchdog's clock: far from 0, so that every loop counts as healthy for long
	private long now = 1000 * THRESHOLD;

	@Test
	void loopsThatBeatInTimeAreNotStalled() {
		for (int i = 0; i < 20; i++) {
			assertThat(check()).noneMatch(Verdict::stalled).noneMatch(Verdict::withdraw);
		}
	}

	@Test
	void aBlockedLoopIsStalledAndItsListenerWithdrawnOnce() {
		this.loops.block(1);
		List<Verdict> verdicts = checkUntilStalled(1);
		assertThat(verdicts.get(1).newStall()).isTrue();
		assertThat(verdicts.get(1).withdraw()).isTrue();
		assertThat(verdicts).filteredOn(Verdict::stalled).hasSize(1);
		this.loops.withdrawn[1] = true;
		Verdict next = check().get(1);
		assertThat(next.stalled()).isTrue();
		assertThat(next.newStall()).isFalse();
		assertThat(next.withdraw()).isFalse();
	}

	@Test
	void aLoopBusyWithItsIterationsIsNotStalled() {
		// Saturating load: every heartbeat is late and every loop uses all the CPU it
		// gets, but each still cycles through its iterations
		this.loops.beatLate();
		Arrays.fill(this.loops.cpuPerCheck, PERIOD);
		for (int i = 0; i < 20; i++) {
			this.loops.iterate();
			assertThat(check()).noneMatch(Verdict::stalled).noneMatch(Verdict::withdraw);
		}
	}

	@Test
	void aLoopStarvedOfACpuIsNotStalledAndNoListenerIsWithdrawnMeanwhile() {
		// Every loop late, runnable in its own code and using little CPU: an overloaded
		// machine, where each thread waits for a CPU in turn
		this.loops.beatLate();
		this.loops.starve();
		for (int i = 0; i < 20; i++) {
			assertThat(check()).noneMatch(Verdict::stalled).noneMatch(Verdict::withdraw);
		}
		assertThat(this.detector.starvedChecks()).isPositive();
	}

	@Test
	void aLoopThatUsedHalfTheThresholdInCpuIsStalled() {
		this.loops.block(2);
		// Runnable in its own code, but computing: half the threshold in CPU time
		this.loops.waitsOrRunsForeignCode[2] = false;
		this.loops.cpuPerCheck[2] = THRESHOLD;
		assertThat(checkUntilStalled(2).get(2).withdraw()).isTrue();
	}

	@Test
	void allLoopsStalledAtOnceWithdrawNothing() {
		IntStream.range(0, 4).forEach(this.loops::block);
		List<Verdict> verdicts = checkUntilStalled(0);
		assertThat(verdicts).allMatch(Verdict::stalled).noneMatch(Verdict::withdraw);
	}

	@Test
	void theLastListenerInThePortIsNeverWithdrawn() {
		// Listener 0 is withdrawn already, 2 and 3 are closed: 1 is the last to accept
		this.loops.withdrawn[0] = true;
		this.loops.open[2] = false;
		this.loops.open[3] = false;
		this.loops.block(1);
		List<Verdict> verdicts = checkUntilStalled(1);
		assertThat(verdicts.get(1).withdraw()).isFalse();
	}

	@Test
	void twoLoopsStallingAtOnceWithdrawBothWhileOthersAccept() {
		this.loops.block(0);
		this.loops.block(1);
		List<Verdict> verdicts = checkUntilStalled(0);
		assertThat(verdicts.get(0).withdraw()).isTrue();
		assertThat(verdicts.get(1).withdraw()).isTrue();
	}

	@Test
	void aListenerStaysInThePortWhileTheOnlyOtherOneIsWithdrawn() {
		StallDetector detector = new StallDetector(2, SETTINGS, true);
		Loops loops = new Loops(2);
		loops.block(1);
		List<Verdict> verdicts = checkUntilStalled(detector, loops, 1);
		assertThat(verdicts.get(1).withdraw()).isTrue();
		// Loop 1 runs again, but its listener has not rejoined yet when loop 0 stalls
		loops.withdrawn[1] = true;
		loops.unblock(1);
		loops.block(0);
		for (int i = 0; i < 10; i++) {
			verdicts = check(detector, loops);
			assertThat(verdicts.get(0).withdraw()).isFalse();
		}
		assertThat(verdicts.get(0).stalled()).isTrue();
	}

	@Test
	void aLateWakeUpOfTheWatchdogDecidesNothing() {
		this.loops.block(1);
		check();
		this.now += 4 * THRESHOLD;
		// Due a period before, woken 4 thresholds late: the loops were held up as well
		assertThat(this.detector.check(this.now - 4 * THRESHOLD, this.now, this.loops.samples())).isEmpty();
		assertThat(this.detector.skippedChecks()).isEqualTo(1);
	}

	@Test
	void afterALateWakeUpAStallWithdrawsOnlyOnceTheOtherLoopsAreTrustedAgain() {
		this.loops.block(1);
		check();
		this.now += 4 * THRESHOLD;
		assertThat(this.detector.check(this.now - 4 * THRESHOLD, this.now, this.loops.samples())).isEmpty();
		long skippedAt = this.now;
		List<Verdict> verdicts = check();
		assertThat(verdicts.get(1).stalled()).isTrue();
		while (this.now - skippedAt < THRESHOLD) {
			assertThat(verdicts.get(1).withdraw()).isFalse();
			verdicts = check();
		}
		assertThat(verdicts.get(1).withdraw()).isTrue();
	}

	@Test
	void withoutReliefAStallIsDetectedButNothingIsWithdrawn() {
		StallDetector detector = new StallDetector(4, SETTINGS, false);
		this.loops.block(1);
		List<Verdict> verdicts = checkUntilStalled(detector, this.loops, 1);
		assertThat(verdicts.get(1).stalled()).isTrue();
		assertThat(verdicts.get(1).withdraw()).isFalse();
	}

	@Test
	void aRecoveredLoopRejoinsOnceItHasBeatenInTimeForTheRejoinPeriod() {
		this.loops.block(1);
		checkUntilStalled(1);
		this.loops.withdrawn[1] = true;
		this.loops.unblock(1);
		List<Verdict> verdicts = check();
		assertThat(verdicts.get(1).recovered()).isTrue();
		long recoveredAt = this.now;
		assertThat(verdicts.get(1).rejoin()).isFalse();
		while (this.now - recoveredAt < SETTINGS.rejoinAfter().toNanos() - PERIOD) {
			assertThat(check().get(1).rejoin()).isFalse();
		}
		boolean rejoined = false;
		for (int i = 0; i < 3 && !rejoined; i++) {
			rejoined = check().get(1).rejoin();
		}
		assertThat(rejoined).isTrue();
	}

	@Test
	void aLoopThatHasJustRecoveredDoesNotCountAsHealthyForAnotherLoopsWithdrawal() {
		// Loops 0 and 1 wake one after the other from a pause of the whole process
		StallDetector detector = new StallDetector(2, SETTINGS, true);
		Loops loops = new Loops(2);
		loops.block(0);
		loops.block(1);
		List<Verdict> verdicts = checkUntilStalled(detector, loops, 1);
		assertThat(verdicts).allMatch(Verdict::stalled).noneMatch(Verdict::withdraw);
		loops.unblock(0);
		verdicts = check(detector, loops);
		assertThat(verdicts.get(0).recovered()).isTrue();
		assertThat(verdicts.get(1).withdraw()).isFalse();
	}

	private List<Verdict> checkUntilStalled(int index) {
		return checkUntilStalled(this.detector, this.loops, index);
	}

	private List<Verdict> checkUntilStalled(StallDetector detector, Loops loops, int index) {
		List<Verdict> verdicts = List.of();
		for (int i = 0; i < 10; i++) {
			verdicts = check(detector, loops);
			if (verdicts.get(index).stalled()) {
				return verdicts;
			}
		}
		throw new AssertionError("Loop " + index + " not found stalled: " + verdicts);
	}

	private List<Verdict> check() {
		return check(this.detector, this.loops);
	}

	private List<Verdict> check(StallDetector detector, Loops loops) {
		this.now += PERIOD;
		loops.advance(this.now);
		List<Verdict> verdicts = detector.check(this.now, this.now, loops.samples());
		assertThat(verdicts).hasSize(loops.lastBeat.length);
		return verdicts;
	}

	/**
	 * Made-up loops: each beats at every check unless blocked or late, and its thread
	 * uses a little CPU per check.
	 */
	private static final class Loops {

		final long[] lastBeat;

		final long[] iterations;

		final long[] cpu;

		final long[] cpuPerCheck;

		final boolean[] blocked;

		final boolean[] waitsOrRunsForeignCode;

		final boolean[] open;

		final boolean[] withdrawn;

		boolean late;

		Loops(int count) {
			this.lastBeat = new long[count];
			this.iterations = new long[count];
			this.cpu = new long[count];
			this.cpuPerCheck = new long[count];
			Arrays.fill(this.cpuPerCheck, MS);
			this.blocked = new boolean[count];
			this.waitsOrRunsForeignCode = new boolean[count];
			this.open = new boolean[count];
			Arrays.fill(this.open, true);
			this.withdrawn = new boolean[count];
		}

		/**
		 * Block a loop in code that waits, such as a sleep or a blocking read.
		 */
		void block(int index) {
			this.blocked[index] = true;
			this.waitsOrRunsForeignCode[index] = true;
		}

		void unblock(int index) {
			this.blocked[index] = false;
			this.waitsOrRunsForeignCode[index] = false;
			this.cpuPerCheck[index] = MS;
		}

		/**
		 * Make every heartbeat later than the threshold from now on, as on a machine
		 * without a spare CPU.
		 */
		void beatLate() {
			this.late = true;
		}

		/**
		 * Let every loop start iterations between two checks.
		 */
		void iterate() {
			for (int i = 0; i < this.iterations.length; i++) {
				this.iterations[i] += 10;
			}
		}

		/**
		 * Leave every loop runnable in its own code, with little CPU used.
		 */
		void starve() {
			Arrays.fill(this.waitsOrRunsForeignCode, false);
		}

		void advance(long now) {
			for (int i = 0; i < this.lastBeat.length; i++) {
				this.cpu[i] += this.cpuPerCheck[i];
				if (this.lastBeat[i] == 0) {
					this.lastBeat[i] = now;
				}
				else if (!this.blocked[i]) {
					this.lastBeat[i] = this.late ? now - 2 * THRESHOLD : now;
				}
			}
		}

		List<Sample> samples() {
			List<Sample> samples = new ArrayList<>();
			for (int i = 0; i < this.lastBeat.length; i++) {
				boolean foreign = this.waitsOrRunsForeignCode[i];
				samples.add(new Sample(this.lastBeat[i], this.iterations[i], this.cpu[i], () -> foreign, this.open[i],
						this.withdrawn[i]));
			}
			return samples;
		}

	}

}
