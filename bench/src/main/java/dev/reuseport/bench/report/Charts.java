package dev.reuseport.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

/**
 * The report's charts, drawn by gnuplot: the ratios to A with their min–max over the
 * rounds (steady state and proxy), and the distribution of connect-plus-response times in
 * the stalled-loop scenario. It writes the data and a gnuplot script into the raw
 * directory, so that the charts can be drawn again elsewhere with
 * {@code gnuplot <raw>/charts/charts.gp}, and runs gnuplot when it is on the PATH. Each
 * chart is written as PNG and SVG next to the report: {@code <report>-ratios.png} and
 * {@code <report>-stall.png}.
 */
final class Charts {

	static final List<String> FIGURES = List.of("keepalive.rps", "churn.rps", "keepalive.cpu.us", "churn.cpu.us");

	private static final List<String> LABELS = List.of("keep-alive req/s", "churn req/s", "keep-alive CPU/req",
			"churn CPU/req");

	static final List<String> PROXY_FIGURES = List.of("proxy.rps", "proxy-churn.rps", "proxy.cpu.us",
			"proxy-churn.cpu.us");

	private static final List<String> PROXY_LABELS = List.of("proxy req/s", "proxy churn req/s", "proxy CPU/req",
			"proxy churn CPU/req");

	/**
	 * The most points drawn per server in the stall chart.
	 */
	private static final int MAX_POINTS = 400;

	private final RunData run;

	Charts(RunData run) {
		this.run = run;
	}

	/**
	 * Write the data and the script.
	 * @param dir where to write them
	 * @param prefix the images' path without its ending, such as
	 * {@code bench/results/latest}
	 * @return the script
	 * @throws IOException when a file cannot be written
	 */
	Path write(Path dir, Path prefix) throws IOException {
		Files.createDirectories(dir);
		// The steady-state figures, then the proxy scenario's, of whichever ran
		List<String> figures = new ArrayList<>();
		List<String> labels = new ArrayList<>();
		if (!this.run.servers().isEmpty()) {
			figures.addAll(FIGURES);
			labels.addAll(LABELS);
		}
		if (!this.run.proxyServersMeasured().isEmpty()) {
			figures.addAll(PROXY_FIGURES);
			labels.addAll(PROXY_LABELS);
		}
		List<String> servers = this.run.allServers()
			.stream()
			.filter((server) -> !server.equals("A"))
			.filter((server) -> this.run.servers().contains(server) || this.run.proxyServersMeasured().contains(server))
			// A run without A (variants against B only) has no ratio to draw: gnuplot
			// fails on a histogram without a point
			.filter((server) -> figures.stream().anyMatch((figure) -> this.run.ratio(server, "A", figure) != null))
			.toList();
		StringBuilder ratios = new StringBuilder("# figure, then median min max of each server's ratio to A: ")
			.append(String.join(" ", servers))
			.append('\n');
		for (int i = 0; i < figures.size(); i++) {
			ratios.append('"').append(labels.get(i)).append('"');
			for (String server : servers) {
				Summary ratio = this.run.ratio(server, "A", figures.get(i));
				ratios.append(' ').append(number((ratio != null) ? ratio.median() : Double.NaN));
				ratios.append(' ').append(number((ratio != null) ? ratio.min() : Double.NaN));
				ratios.append(' ').append(number((ratio != null) ? ratio.max() : Double.NaN));
			}
			ratios.append('\n');
		}
		Files.writeString(dir.resolve("ratios.dat"), ratios);
		StringBuilder stall = new StringBuilder(
				"# per server (one gnuplot index each): time ms, share of connections\n");
		List<String> stallServers = new ArrayList<>();
		for (Map.Entry<String, StallRun> entry : this.run.stalls.entrySet()) {
			double[] times = entry.getValue().stalledTimes();
			stall.append("# ").append(entry.getKey()).append('\n');
			int step = Math.max(1, times.length / MAX_POINTS);
			for (int i = 0; i < times.length; i += step) {
				if (!Double.isInfinite(times[i])) {
					stall.append(number(Math.max(times[i], 0.01))).append(' ');
					stall.append(number((i + 1.0) / times.length)).append('\n');
				}
			}
			stall.append("\n\n");
			stallServers.add(entry.getKey());
		}
		Files.writeString(dir.resolve("stall.dat"), stall);
		Path script = dir.resolve("charts.gp");
		Files.writeString(script, script(dir, prefix, servers, stallServers));
		return script;
	}

	private static String script(Path dir, Path prefix, List<String> servers, List<String> stallServers) {
		StringBuilder gp = new StringBuilder("# Draws the benchmark charts: gnuplot charts.gp\n");
		for (String format : List.of("png", "svg")) {
			String terminal = format.equals("png") ? "pngcairo size 900,540" : "svg size 900,540";
			gp.append("reset\nset terminal ").append(terminal).append('\n');
			gp.append("set output '").append(prefix).append("-ratios.").append(format).append("'\n");
			gp.append("set title 'Ratio to A, log scale (median over rounds, bars: min-max); req/s higher is better, ");
			gp.append("CPU/req lower is better'\n");
			gp.append("set style data histogram\nset style histogram errorbars gap 2 lw 1\n");
			gp.append(
					"set style fill solid 0.6 border -1\nset grid ytics\nset logscale y\nset yrange [0.02:*]\nset key top left\n");
			gp.append("set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2\n");
			// Eight groups with the proxy scenario: slanted labels do not overlap
			gp.append("set xtics rotate by -20 scale 0\nset bmargin 5\n");
			StringBuilder plot = new StringBuilder();
			for (int i = 0; i < servers.size(); i++) {
				plot.append(plot.isEmpty() ? "plot '" + dir.resolve("ratios.dat") + "'" : ", ''");
				int column = 2 + 3 * i;
				plot.append(" using ").append(column).append(':').append(column + 1).append(':').append(column + 2);
				plot.append(i == 0 ? ":xtic(1)" : "").append(" title '").append(servers.get(i)).append('\'');
			}
			gp.append(plot.isEmpty() ? "plot 1 title 'no ratios'" : plot).append('\n');
			gp.append("reset\nset terminal ").append(terminal).append('\n');
			gp.append("set output '").append(prefix).append("-stall.").append(format).append("'\n");
			gp.append("set title 'Stalled loop: connect + response time of new connections started during a block'\n");
			gp.append("set logscale x\nset xlabel 'ms'\nset ylabel 'share of connections at or below'\n");
			gp.append("set yrange [0:1]\nset grid\nset key bottom right\n");
			StringBuilder stall = new StringBuilder();
			for (int i = 0; i < stallServers.size(); i++) {
				stall.append(stall.isEmpty() ? "plot '" + dir.resolve("stall.dat") + "'" : ", ''");
				stall.append(" index ").append(i).append(" using 1:2 with steps lw 2 title '");
				stall.append(stallServers.get(i)).append('\'');
			}
			gp.append(stall.isEmpty() ? "plot 1 title 'no stalled-loop run'" : stall).append('\n');
		}
		return gp.toString();
	}

	/**
	 * Run gnuplot on the script.
	 * @param script the script
	 * @return {@code null} when the charts were drawn, otherwise why not
	 */
	static @Nullable String draw(Path script) {
		try {
			Process gnuplot = new ProcessBuilder("gnuplot", script.toString()).redirectErrorStream(true).start();
			String output = new String(gnuplot.getInputStream().readAllBytes());
			if (!gnuplot.waitFor(60, TimeUnit.SECONDS)) {
				gnuplot.destroyForcibly();
				return "gnuplot did not finish within 60 s";
			}
			return (gnuplot.exitValue() == 0) ? null : "gnuplot failed: " + output.strip();
		}
		catch (IOException ex) {
			return "gnuplot is not installed (" + ex.getMessage() + ")";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted while gnuplot ran";
		}
	}

	private static String number(double value) {
		return Double.isNaN(value) ? "NaN" : String.format(Locale.ROOT, "%.6g", value);
	}

}
