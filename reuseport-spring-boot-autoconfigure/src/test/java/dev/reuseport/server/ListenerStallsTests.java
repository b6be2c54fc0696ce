package dev.reuseport.server;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ListenerStalls}.
 */
class ListenerStallsTests {

	private static final long SECOND = Duration.ofSeconds(1).toNanos();

	private final ListenerStalls stalls = new ListenerStalls(
			new ListenerWithdrawal(0, new ListenerSocket(0, new ListenerLoop("listener-stalls-test"))));

	@Test
	void doubtCastOnEveryLoopKeepsTheTimeTheLoopHasBeenBeating() {
		long start = 10 * SECOND;
		this.stalls.late(start);
		// The watchdog woke late, or another loop was starved of a CPU
		this.stalls.doubt(start + SECOND);
		long now = start + 2 * SECOND;
		assertThat(this.stalls.trustedFor(now)).isEqualTo(Duration.ofSeconds(1));
		assertThat(this.stalls.beatingFor(now)).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void lateHeartbeatOfTheLoopItselfRestartsBothTimes() {
		long start = 10 * SECOND;
		this.stalls.late(start);
		this.stalls.late(start + SECOND);
		long now = start + 3 * SECOND;
		assertThat(this.stalls.trustedFor(now)).isEqualTo(Duration.ofSeconds(2));
		assertThat(this.stalls.beatingFor(now)).isEqualTo(Duration.ofSeconds(2));
	}

}
