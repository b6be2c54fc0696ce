package dev.reuseport.bench.report;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.reuseport.bench.report.Stats.Summary;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link Stats}.
 */
class StatsTests {

	@Test
	void percentileIsNearestRank() {
		long[] sorted = new long[100];
		for (int i = 0; i < sorted.length; i++) {
			sorted[i] = i + 1;
		}
		assertThat(Stats.percentile(sorted, 50)).isEqualTo(50);
		assertThat(Stats.percentile(sorted, 99)).isEqualTo(99);
		assertThat(Stats.percentile(sorted, 99.5)).isEqualTo(100);
		assertThat(Stats.percentile(sorted, 100)).isEqualTo(100);
		assertThat(Stats.percentile(sorted, 0.1)).isEqualTo(1);
	}

	@Test
	void percentileOfFewValues() {
		assertThat(Stats.percentile(new long[] { 7 }, 99)).isEqualTo(7);
		assertThat(Stats.percentile(new long[] { 1, 2, 3 }, 50)).isEqualTo(2);
		assertThat(Stats.percentile(new long[] { 1, 2, 3, 1000 }, 99)).isEqualTo(1000);
	}

	@Test
	void percentileOfNoValuesIsMinusOne() {
		assertThat(Stats.percentile(new long[0], 50)).isEqualTo(-1);
	}

	@Test
	void percentileOutOfRangeIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> Stats.percentile(new long[] { 1 }, 0));
		assertThatIllegalArgumentException().isThrownBy(() -> Stats.percentile(new long[] { 1 }, 101));
	}

	@Test
	void summaryOfAnOddCountTakesTheMiddleValue() {
		Summary summary = Stats.summarize(List.of(3.0, 1.0, 2.0));
		assertThat(summary).isEqualTo(new Summary(2.0, 1.0, 3.0, 3));
	}

	@Test
	void summaryOfAnEvenCountAveragesTheMiddleValues() {
		Summary summary = Stats.summarize(List.of(4.0, 1.0, 3.0, 10.0));
		assertThat(summary).isEqualTo(new Summary(3.5, 1.0, 10.0, 4));
	}

	@Test
	void summaryIgnoresNaN() {
		assertThat(Stats.summarize(List.of(Double.NaN, 5.0))).isEqualTo(new Summary(5.0, 5.0, 5.0, 1));
		assertThat(Stats.summarize(List.of(Double.NaN))).isNull();
		assertThat(Stats.summarize(List.of())).isNull();
	}

	@Test
	void ratiosAreTakenWithinEachRound() {
		TreeMap<Integer, Double> b = new TreeMap<>(Map.of(1, 110.0, 2, 180.0, 3, 330.0));
		Map<Integer, Double> a = Map.of(1, 100.0, 2, 200.0, 3, 300.0);
		List<Double> ratios = Stats.ratios(b, a);
		assertThat(ratios).hasSize(3);
		assertThat(ratios.get(0)).isCloseTo(1.1, within(1e-9));
		assertThat(ratios.get(1)).isCloseTo(0.9, within(1e-9));
		assertThat(ratios.get(2)).isCloseTo(1.1, within(1e-9));
		// The median of the ratios, not the ratio of the medians (180 / 200 = 0.9)
		assertThat(Stats.summarize(ratios).median()).isCloseTo(1.1, within(1e-9));
	}

	@Test
	void ratiosSkipRoundsWithoutABaseline() {
		TreeMap<Integer, Double> b = new TreeMap<>(Map.of(1, 10.0, 2, 20.0, 3, 30.0, 4, Double.NaN));
		Map<Integer, Double> a = Map.of(1, 5.0, 3, 0.0, 4, 1.0);
		assertThat(Stats.ratios(b, a)).containsExactly(2.0);
	}

	@Test
	void spreadIsRangeOverMean() {
		assertThat(Stats.spread(List.of(90, 100, 110, 100))).isCloseTo(0.2, within(1e-9));
		assertThat(Stats.spread(List.of(5L, 5L))).isZero();
		assertThat(Stats.spread(List.of())).isNaN();
		assertThat(Stats.spread(List.of(0, 0))).isNaN();
	}

	@Test
	void throughputIsStableWhenConsecutiveWindowsAgree() {
		// JIT warm-up: rising, then flat within 5 %
		List<Double> windows = List.of(5_000.0, 12_000.0, 30_000.0, 40_000.0, 41_000.0, 40_500.0, 41_500.0);
		assertThat(Stats.stableAfter(windows, 2, 0.05)).isEqualTo(4);
		assertThat(Stats.stableAfter(windows, 3, 0.05)).isEqualTo(5);
		assertThat(Stats.stableAfter(windows, 3, 0.01)).isEqualTo(-1);
	}

	@Test
	void throughputThatKeepsClimbingIsNeverStable() {
		assertThat(Stats.stableAfter(List.of(1.0, 2.0, 4.0, 8.0), 2, 0.05)).isEqualTo(-1);
		assertThat(Stats.stableAfter(List.of(100.0), 2, 0.05)).isEqualTo(-1);
		assertThat(Stats.stableAfter(List.of(0.0, 0.0), 2, 0.05)).isEqualTo(-1);
		assertThatIllegalArgumentException().isThrownBy(() -> Stats.stableAfter(List.of(1.0), 1, 0.05));
	}

	@Test
	void shareAboveCountsStrictlyGreaterValues() {
		assertThat(Stats.shareAbove(new double[] { 100, 500, 501, Double.POSITIVE_INFINITY }, 500)).isEqualTo(0.5);
		assertThat(Stats.shareAbove(new double[0], 500)).isNaN();
	}

	@Test
	void percentileOfDoublesIsNearestRank() {
		double[] sorted = new double[1000];
		for (int i = 0; i < sorted.length; i++) {
			sorted[i] = i + 1;
		}
		assertThat(Stats.percentile(sorted, 99.9)).isEqualTo(999.0);
		assertThat(Stats.percentile(sorted, 50)).isEqualTo(500.0);
		assertThat(Stats.percentile(new double[0], 50)).isNaN();
	}

}
