package dev.reuseport.bench.report;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link LoopCpuTime}.
 */
class LoopCpuTimeTests {

	// A real /proc/PID/task/TID/stat line's shape: tid (comm) state ppid ... utime stime
	// ...
	private static String stat(long tid, String comm, long utime, long stime) {
		return tid + " (" + comm + ") S 1 4242 4242 0 -1 4194368 2048 0 0 0 " + utime + " " + stime
				+ " 0 0 20 0 41 0 123456 5000000000 60000 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 -1 1 0 0";
	}

	private static String file(String... lines) {
		return "clk_tck=100\n" + String.join("\n", lines) + "\n";
	}

	@Test
	void loopThreadsAreFoundByTheirNameCutTo15Characters() {
		String text = file("before " + stat(101, "reuseport-liste", 1000, 100),
				"before " + stat(102, "reuseport-liste", 2000, 200), "before " + stat(103, "reuseport-serve", 5, 5),
				"before " + stat(104, "C2 CompilerThre", 900, 9), "after " + stat(101, "reuseport-liste", 1300, 150),
				"after " + stat(102, "reuseport-liste", 2100, 250), "after " + stat(103, "reuseport-serve", 500, 5),
				"after " + stat(104, "C2 CompilerThre", 9000, 9));
		LoopCpuTime loops = LoopCpuTime.parse(text, LoopCpuTime.loopThreadName("B"));
		assertThat(loops.seconds()).containsExactly(entry(101L, 3.5), entry(102L, 1.5));
	}

	@Test
	void spreadIsMaxMinusMinOverMeanOfTheLoopsCpuTime() {
		String text = file("before " + stat(7, "reactor-http-ep", 0, 0), "before " + stat(8, "reactor-http-ep", 0, 0),
				"before " + stat(9, "reactor-http-ep", 0, 0), "before " + stat(10, "reactor-http-ep", 0, 0),
				"after " + stat(7, "reactor-http-ep", 100, 0), "after " + stat(8, "reactor-http-ep", 150, 50),
				"after " + stat(9, "reactor-http-ep", 300, 0), "after " + stat(10, "reactor-http-ep", 100, 100));
		LoopCpuTime loops = LoopCpuTime.parse(text, LoopCpuTime.loopThreadName("A"));
		// 1 s, 2 s, 3 s and 2 s: (3 - 1) / 2
		assertThat(loops.spread()).isCloseTo(1.0, within(1e-9));
	}

	@Test
	void evenLoopsHaveNoSpread() {
		String text = file("before " + stat(1, "raw-listener-0", 10, 0), "before " + stat(2, "raw-listener-1", 20, 0),
				"after " + stat(1, "raw-listener-0", 60, 0), "after " + stat(2, "raw-listener-1", 70, 0));
		assertThat(LoopCpuTime.parse(text, LoopCpuTime.loopThreadName("C")).spread()).isZero();
	}

	@Test
	void loopThatStartedDuringTheStepCountsFromZeroAndOneThatEndedIsLeftOut() {
		String text = file("before " + stat(1, "reuseport-liste", 100, 0),
				"before " + stat(2, "reuseport-liste", 70, 0), "after " + stat(1, "reuseport-liste", 150, 0),
				"after " + stat(3, "reuseport-liste", 20, 5));
		assertThat(LoopCpuTime.parse(text, "reuseport-listener-").seconds()).containsExactly(entry(1L, 0.5),
				entry(3L, 0.25));
	}

	@Test
	void nginxWorkersAreTheLoops() {
		String text = file("before " + stat(31, "nginx", 10, 10), "before " + stat(32, "nginx", 10, 10),
				"after " + stat(31, "nginx", 410, 110), "after " + stat(32, "nginx", 10, 10));
		LoopCpuTime workers = LoopCpuTime.parse(text, LoopCpuTime.loopThreadName("D"));
		assertThat(workers.seconds()).isEqualTo(Map.of(31L, 5.0, 32L, 0.0));
		assertThat(workers.spread()).isCloseTo(2.0, within(1e-9));
	}

	@Test
	void variantsB0AndBOnIoUringHaveTheStartersLoopNames() {
		assertThat(LoopCpuTime.loopThreadName("B0")).isEqualTo("reuseport-listener-");
		assertThat(LoopCpuTime.loopThreadName("Bold")).isEqualTo("reuseport-listener-");
		assertThat(LoopCpuTime.loopThreadName("Bu")).isEqualTo("reuseport-listener-");
	}

	@Test
	void aOnIoUringHasReactorNettysIoUringLoopsAndNotItsEpollClientLoops() {
		String text = file("before " + stat(1, "reactor-http-io", 10, 0), "before " + stat(2, "reactor-http-ep", 0, 0),
				"after " + stat(1, "reactor-http-io", 60, 0), "after " + stat(2, "reactor-http-ep", 500, 0));
		assertThat(LoopCpuTime.parse(text, LoopCpuTime.loopThreadName("Au")).seconds()).containsExactly(entry(1L, 0.5));
	}

	@Test
	void jettyAndTomcatHaveNoLoops() {
		assertThat(LoopCpuTime.loopThreadName("J")).isNull();
		assertThat(LoopCpuTime.loopThreadName("T")).isNull();
	}

	@Test
	void commandNamesWithSpacesAndBracketsDoNotShiftTheFields() {
		String text = file("before " + stat(5, "reactor-http-ep", 0, 0), "before " + stat(6, "a) (b", 0, 0),
				"after " + stat(5, "reactor-http-ep", 200, 0), "after " + stat(6, "a) (b", 900, 0));
		assertThat(LoopCpuTime.parse(text, "reactor-http-epoll-").seconds()).containsExactly(entry(5L, 2.0));
	}

	@Test
	void fileWithoutClockRateSideOrLoopIsRejected() {
		String after = "after " + stat(1, "reuseport-liste", 1, 1);
		assertThatIllegalArgumentException().isThrownBy(() -> LoopCpuTime.parse(after, "reuseport-listener-"))
			.withMessageContaining("clk_tck");
		assertThatIllegalArgumentException().isThrownBy(() -> LoopCpuTime.parse(file(after), "reuseport-listener-"))
			.withMessageContaining("before");
		assertThatIllegalArgumentException().isThrownBy(() -> LoopCpuTime
			.parse(file("before " + stat(1, "java", 1, 1), "after " + stat(1, "java", 2, 2)), "reuseport-listener-"))
			.withMessageContaining("no thread named reuseport-liste*");
	}

}
