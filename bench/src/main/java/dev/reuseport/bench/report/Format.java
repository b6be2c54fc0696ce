package dev.reuseport.bench.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.function.DoubleFunction;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

/**
 * How the report writes numbers and table rows.
 */
final class Format {

	private Format() {
	}

	/**
	 * Format a summary as {@code median (min–max)}, or the median alone when every value
	 * formats the same.
	 */
	static String cell(@Nullable Summary summary, DoubleFunction<String> format) {
		return cell(summary, format, "");
	}

	static String cell(@Nullable Summary summary, DoubleFunction<String> format, String unit) {
		if (summary == null) {
			return "n/a";
		}
		String median = format.apply(summary.median());
		String min = format.apply(summary.min());
		String max = format.apply(summary.max());
		return (min.equals(max)) ? median + unit : median + unit + " (" + min + "–" + max + ")";
	}

	static String ratioCell(@Nullable Summary summary) {
		return cell(summary, Format::ratio, "×");
	}

	/**
	 * Format a ratio with two decimals, or two significant digits below 0.1.
	 */
	static String ratio(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		if (value == 0 || Math.abs(value) >= 0.1 || Double.isInfinite(value)) {
			return "%.2f".formatted(value);
		}
		return new BigDecimal(value).round(new MathContext(2)).stripTrailingZeros().toPlainString();
	}

	static String count(double value) {
		return Double.isNaN(value) ? "n/a" : "%,.0f".formatted(value);
	}

	static String millis(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		if (Double.isInfinite(value)) {
			return "∞";
		}
		return (value < 10) ? "%.2f".formatted(value) : (value < 100) ? "%.1f".formatted(value) : count(value);
	}

	static String micros(double value) {
		return Double.isNaN(value) ? "n/a" : "%.1f".formatted(value);
	}

	static String percent(double fraction) {
		return Double.isNaN(fraction) ? "n/a" : "%.1f %%".formatted(fraction * 100);
	}

	static void row(StringBuilder md, String... cells) {
		md.append("| ").append(String.join(" | ", cells)).append(" |\n");
	}

}
