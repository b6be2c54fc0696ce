package dev.reuseport.bench.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link CpuTime}.
 */
class CpuTimeTests {

	// A real line's shape: pid (comm) state ppid ... utime (14th) stime (15th) ...
	private static String stat(String comm, long utime, long stime) {
		return "4242 (" + comm + ") S 1 4242 4242 0 -1 4194560 31337 0 12 0 " + utime + " " + stime
				+ " 0 0 20 0 41 0 123456 5000000000 60000 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0";
	}

	@Test
	void ticksAreUserPlusSystemTime() {
		assertThat(CpuTime.ticks(stat("java", 1500, 250))).isEqualTo(1750);
	}

	@Test
	void commandNamesWithSpacesAndBracketsDoNotShiftTheFields() {
		assertThat(CpuTime.ticks(stat("reactor) http 1", 7, 3))).isEqualTo(10);
	}

	@Test
	void secondsAreTheGrowthOverTheStepAtTheClockRate() {
		String file = "clk_tck=100\nbefore " + stat("java", 1000, 200) + "\nafter " + stat("java", 1800, 650) + "\n";
		assertThat(CpuTime.seconds(file)).isCloseTo(12.5, within(1e-9));
	}

	@Test
	void processesOfOneServerAreAddedUp() {
		// nginx: a master and two workers
		String file = """
				clk_tck=250
				before %s
				before %s
				before %s
				after %s
				after %s
				after %s
				""".formatted(stat("nginx", 5, 5), stat("nginx", 100, 50), stat("nginx", 200, 50), stat("nginx", 5, 5),
				stat("nginx", 400, 100), stat("nginx", 300, 150));
		assertThat(CpuTime.seconds(file)).isCloseTo((400 + 100 + 300 + 150 - 100 - 50 - 200 - 50) / 250.0,
				within(1e-9));
	}

	@Test
	void fileWithoutClockRateOrSideIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> CpuTime.seconds("before " + stat("java", 1, 1)))
			.withMessageContaining("clk_tck");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> CpuTime.seconds("clk_tck=100\nbefore " + stat("java", 1, 1)))
			.withMessageContaining("after");
	}

}
