package dev.reuseport.bench.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReliefSection}.
 */
class ReliefSectionTests {

	@Test
	void ratioOfP999s() {
		assertThat(ReliefSection.ratio(400, 1000)).isEqualTo(0.4);
	}

	@Test
	void missingOrZeroBaselineGivesNoRatio() {
		assertThat(ReliefSection.ratio(400, Double.NaN)).isNaN();
		assertThat(ReliefSection.ratio(Double.NaN, 1000)).isNaN();
		assertThat(ReliefSection.ratio(400, 0)).isNaN();
	}

	@Test
	void failedConnectionsOnBothSidesCompareAsEqual() {
		assertThat(ReliefSection.ratio(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)).isEqualTo(1);
		assertThat(ReliefSection.ratio(Double.POSITIVE_INFINITY, 1000)).isInfinite();
	}

}
