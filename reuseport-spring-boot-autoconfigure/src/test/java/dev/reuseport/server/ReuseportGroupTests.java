package dev.reuseport.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link ReuseportGroup}'s spread of open connections across loops.
 */
class ReuseportGroupTests {

	@Test
	void spreadIsZeroWhenIdle() {
		assertThat(ReuseportGroup.spread(new long[] { 0, 0, 0, 0 })).isZero();
	}

	@Test
	void spreadIsZeroWhenTheCountsDifferByOneAtMost() {
		// One open connection, such as a metrics scrape's, on an otherwise idle server
		assertThat(ReuseportGroup.spread(new long[] { 1, 0, 0, 0 })).isZero();
		assertThat(ReuseportGroup.spread(new long[] { 3, 3, 2, 2 })).isZero();
	}

	@Test
	void spreadIsTheGapBeyondOneConnectionOverTheMean() {
		assertThat(ReuseportGroup.spread(new long[] { 2, 0, 0, 0 })).isCloseTo(2.0, within(1e-9));
		assertThat(ReuseportGroup.spread(new long[] { 4, 2, 3, 3 })).isCloseTo(1 / 3.0, within(1e-9));
		assertThat(ReuseportGroup.spread(new long[] { 20, 10, 10, 0 })).isCloseTo(19 / 10.0, within(1e-9));
	}

}
