package dev.reuseport.server;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CpuSteering}'s decisions that need no pinned loop.
 */
class CpuSteeringTests {

	@Test
	void aKernelOlderThan62IsRefusedWithTheReason() {
		assertThat(CpuSteering.refusal("6.1.55-generic", true))
			.isEqualTo("the kernel (6.1.55-generic) is older than Linux 6.2, whose SO_REUSEPORT groups are the first "
					+ "to prefer the listener of a connection's CPU");
		assertThat(CpuSteering.refusal("5.15.0", true)).startsWith("the kernel (5.15.0) is older than Linux 6.2");
		assertThat(CpuSteering.refusal(null, true)).startsWith("the kernel (null) is older than Linux 6.2");
	}

	@Test
	void withoutThePinningLibraryTheRefusalNamesIt() {
		assertThat(CpuSteering.refusal("6.2.0", false)).isEqualTo(
				"net.openhft:affinity, which pins the listener loops to their CPUs, is not on the classpath; add it "
						+ "as a dependency");
		assertThat(CpuSteering.refusal("6.18.44", true)).isNull();
		assertThat(CpuSteering.refusal("7.0", true)).isNull();
	}

	@Test
	void theKernelsCpuListsParse() {
		BitSet cpus = CpuSteering.cpuList("0-3,8,10-11");
		assertThat(cpus.stream().toArray()).containsExactly(0, 1, 2, 3, 8, 10, 11);
		assertThat(CpuSteering.cpuList("5").stream().toArray()).containsExactly(5);
	}

	@Test
	void theAllowedCpusAreThoseOfThisProcess() throws Exception {
		// nproc counts the CPUs of the same affinity mask (sched_getaffinity)
		Process nproc = new ProcessBuilder("nproc").start();
		int count = Integer.parseInt(new String(nproc.getInputStream().readAllBytes()).strip());
		assertThat(CpuSteering.allowedCpus().cardinality()).isEqualTo(count);
	}

}
