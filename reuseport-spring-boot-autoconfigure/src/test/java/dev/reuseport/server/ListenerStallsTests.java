package dev.reuseport.server;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ListenerStalls}.
 */
class ListenerStallsTests {

	private static final long SECOND = Duration.ofSeconds(1).toNanos();

	private final ListenerStalls stalls = new ListenerStalls();

	@Test
	void aStallIsReportedOngoingUntilItsLoopRecovers() {
		long since = 10 * SECOND;
		StallReport report = this.stalls.stalled(since + SECOND, since);
		assertThat(report.ongoing()).isTrue();
		assertThat(report.duration()).isEqualTo(Duration.ofSeconds(1));
		assertThat(this.stalls.detected()).isEqualTo(1);
		this.stalls.ongoing(since + 3 * SECOND, since);
		assertThat(this.stalls.last().duration()).isEqualTo(Duration.ofSeconds(3));
		assertThat(this.stalls.last().ongoing()).isTrue();
		this.stalls.withdrew();
		assertThat(this.stalls.withdrawals()).isEqualTo(1);
		assertThat(this.stalls.last().withdrawn()).isTrue();
		this.stalls.reset();
		assertThat(this.stalls.last().ongoing()).isFalse();
		assertThat(this.stalls.last().duration()).isEqualTo(Duration.ofSeconds(3));
		assertThat(this.stalls.detected()).isEqualTo(1);
	}

}
