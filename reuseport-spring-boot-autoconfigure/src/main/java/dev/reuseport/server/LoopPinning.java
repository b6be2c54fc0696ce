package dev.reuseport.server;

import java.util.BitSet;

import net.openhft.affinity.Affinity;

/**
 * Pins the thread that calls it to one CPU, with OpenHFT's Java Thread Affinity
 * ({@code net.openhft:affinity}, which calls {@code sched_setaffinity} through JNA). The
 * only class of the starter that touches that optional library.
 */
final class LoopPinning {

	private LoopPinning() {
	}

	/**
	 * Pin the calling thread to one CPU, and check with the kernel that it is.
	 * @param cpu the CPU
	 * @throws IllegalStateException if the thread may run elsewhere afterwards, as when
	 * JNA is missing or the CPU is outside the process's cpuset
	 */
	static void pinCurrentThread(int cpu) {
		Affinity.setAffinity(cpu);
		BitSet now = Affinity.getAffinity();
		if (now.cardinality() != 1 || !now.get(cpu)) {
			throw new IllegalStateException("the thread may still run on CPUs " + now + " after pinning it to CPU "
					+ cpu
					+ (Affinity.isJNAAvailable() ? "" : " (JNA, which net.openhft:affinity needs, is not available)"));
		}
	}

	/**
	 * Let the calling thread run on a set of CPUs again.
	 * @param cpus the CPUs
	 */
	static void unpinCurrentThread(BitSet cpus) {
		Affinity.setAffinity(cpus);
	}

}
