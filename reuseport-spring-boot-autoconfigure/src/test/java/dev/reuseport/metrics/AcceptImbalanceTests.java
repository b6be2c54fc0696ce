package dev.reuseport.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link AcceptImbalance}.
 */
class AcceptImbalanceTests {

	private final List<AtomicLong> accepted = List.of(new AtomicLong(), new AtomicLong(), new AtomicLong());

	private final SteppingClock clock = new SteppingClock();

	private final AcceptImbalance<AtomicLong> imbalance = new AcceptImbalance<>(this.accepted, AtomicLong::get,
			Duration.ofSeconds(60), this.clock);

	@Test
	void isZeroWhenIdle() {
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(this.imbalance.value()).isZero();
	}

	@Test
	void isZeroWhenEveryListenerAcceptedTheSame() {
		accept(10, 10, 10);
		assertThat(this.imbalance.value()).isZero();
	}

	@Test
	void isTheRangeOverTheMean() {
		accept(30, 10, 20);
		assertThat(this.imbalance.value()).isCloseTo(1.0, within(1e-9));
		accept(0, 0, 30);
		// totals 30, 10, 50: (50 - 10) / 30
		assertThat(this.imbalance.value()).isCloseTo(40.0 / 30, within(1e-9));
	}

	@Test
	void forgetsConnectionsOlderThanTheWindow() {
		accept(90, 0, 0);
		this.clock.advance(Duration.ofSeconds(30));
		assertThat(this.imbalance.value()).isCloseTo(3.0, within(1e-9));
		this.clock.advance(Duration.ofSeconds(40));
		accept(10, 10, 10);
		// At 70 s the start is still the newest sample at least a window old: 0 s
		assertThat(this.imbalance.value()).isCloseTo(90.0 / 40, within(1e-9));
		this.clock.advance(Duration.ofSeconds(30));
		// At 100 s it is the read at 30 s, after which every listener accepted 10
		assertThat(this.imbalance.value()).isZero();
	}

	@Test
	void keepsTheOldestSampleWhileNoneIsAWindowOld() {
		accept(30, 0, 0);
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(this.imbalance.value()).isCloseTo(3.0, within(1e-9));
		accept(0, 30, 30);
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(this.imbalance.value()).isZero();
	}

	private void accept(long... counts) {
		for (int i = 0; i < counts.length; i++) {
			this.accepted.get(i).addAndGet(counts[i]);
		}
	}

	/**
	 * A clock that moves only when told, so that windows are exact.
	 */
	static final class SteppingClock extends Clock {

		private Instant now = Instant.parse("2026-01-01T00:00:00Z");

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
