package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import org.jspecify.annotations.Nullable;

/**
 * The arithmetic of the report: percentiles, medians with their range, ratios taken
 * within a round, and the spread of per-listener counts.
 */
public final class Stats {

	private Stats() {
	}

	/**
	 * Return the nearest-rank percentile of sorted values: the smallest value such that
	 * at least {@code percent}% of the values are less than or equal to it.
	 * @param sorted the values in ascending order
	 * @param percent the percentile, above 0 and at most 100
	 * @return the percentile, or -1 when there are no values
	 */
	public static long percentile(long[] sorted, double percent) {
		if (percent <= 0 || percent > 100) {
			throw new IllegalArgumentException("Percentile must be in (0, 100]: " + percent);
		}
		if (sorted.length == 0) {
			return -1;
		}
		int rank = rank(percent, sorted.length);
		return sorted[Math.max(rank, 1) - 1];
	}

	/**
	 * The nearest rank, with the product rounded first so that 99.9 % of 1,000 values is
	 * rank 999 even though {@code 99.9 / 100 * 1000} is a hair above 999 in doubles.
	 */
	private static int rank(double percent, int count) {
		return (int) Math.ceil(Math.round(percent * count * 1e6) / 1e8);
	}

	/**
	 * Summarize values by their median, minimum and maximum. NaN values are ignored.
	 * @param values the values, one per round
	 * @return the summary, or {@code null} when there is no value
	 */
	public static @Nullable Summary summarize(Collection<Double> values) {
		double[] sorted = values.stream()
			.mapToDouble(Double::doubleValue)
			.filter((v) -> !Double.isNaN(v))
			.sorted()
			.toArray();
		if (sorted.length == 0) {
			return null;
		}
		int middle = sorted.length / 2;
		double median = (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
		return new Summary(median, sorted[0], sorted[sorted.length - 1], sorted.length);
	}

	/**
	 * Divide each round's value by the baseline's value in the same round. Rounds that
	 * lack either value, or whose baseline is zero, give no ratio.
	 * @param values the values by round
	 * @param baseline the baseline's values by round
	 * @return the ratios, in round order
	 */
	public static List<Double> ratios(SortedMap<Integer, Double> values, Map<Integer, Double> baseline) {
		List<Double> ratios = new ArrayList<>();
		values.forEach((round, value) -> {
			Double base = baseline.get(round);
			if (value != null && base != null && !value.isNaN() && !base.isNaN() && base != 0) {
				ratios.add(value / base);
			}
		});
		return ratios;
	}

	/**
	 * Return the spread of counts, {@code (max - min) / mean}: 0 when every count is the
	 * same.
	 * @param counts the counts, one per listener
	 * @return the spread, or NaN when there are no counts or they are all zero
	 */
	public static double spread(Collection<? extends Number> counts) {
		if (counts.isEmpty()) {
			return Double.NaN;
		}
		double min = Double.MAX_VALUE;
		double max = -Double.MAX_VALUE;
		double sum = 0;
		for (Number count : counts) {
			double value = count.doubleValue();
			min = Math.min(min, value);
			max = Math.max(max, value);
			sum += value;
		}
		double mean = sum / counts.size();
		return (mean == 0) ? Double.NaN : (max - min) / mean;
	}

	/**
	 * Return after which window a series of throughput windows became stable: the first
	 * window that ends a run of {@code count} consecutive windows whose spread,
	 * {@code (max - min) / max}, is within {@code tolerance}.
	 * @param windows the throughput of each window, in order
	 * @param count how many consecutive windows must agree, at least 2
	 * @param tolerance the largest spread, such as 0.05
	 * @return the index of that window, or -1 when the series never became stable
	 */
	public static int stableAfter(List<Double> windows, int count, double tolerance) {
		if (count < 2) {
			throw new IllegalArgumentException("At least 2 windows must agree: " + count);
		}
		for (int end = count - 1; end < windows.size(); end++) {
			double min = Double.MAX_VALUE;
			double max = 0;
			for (double value : windows.subList(end - count + 1, end + 1)) {
				min = Math.min(min, value);
				max = Math.max(max, value);
			}
			if (max > 0 && (max - min) / max <= tolerance) {
				return end;
			}
		}
		return -1;
	}

	/**
	 * Return the share of values above a threshold.
	 * @param values the values
	 * @param threshold the threshold
	 * @return the share, NaN when there are no values
	 */
	public static double shareAbove(double[] values, double threshold) {
		if (values.length == 0) {
			return Double.NaN;
		}
		return (double) Arrays.stream(values).filter((value) -> value > threshold).count() / values.length;
	}

	/**
	 * Return the nearest-rank percentile of sorted values, as
	 * {@link #percentile(long[], double)} does.
	 * @param sorted the values in ascending order
	 * @param percent the percentile, above 0 and at most 100
	 * @return the percentile, or NaN when there are no values
	 */
	public static double percentile(double[] sorted, double percent) {
		if (percent <= 0 || percent > 100) {
			throw new IllegalArgumentException("Percentile must be in (0, 100]: " + percent);
		}
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int rank = rank(percent, sorted.length);
		return sorted[Math.max(rank, 1) - 1];
	}

	/**
	 * The median of values, one per round, and their range.
	 *
	 * @param median the median (the mean of the two middle values for an even count)
	 * @param min the smallest value
	 * @param max the largest value
	 * @param count the number of values
	 */
	public record Summary(double median, double min, double max, int count) {

	}

}
