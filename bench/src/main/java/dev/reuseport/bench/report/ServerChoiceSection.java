package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

import static dev.reuseport.bench.report.Format.row;

/**
 * The table for a team choosing the server of a WebFlux application: every server it can
 * run on (A, Au, B, Bu, J, T) side by side, by the median over the rounds, with the best
 * figure of each column named under the table.
 */
final class ServerChoiceSection {

	/**
	 * The servers a WebFlux application can run on, in the table's order.
	 */
	static final List<String> CHOICES = List.of("A", "Au", "B", "Bu", "J", "T");

	private static final List<Column> COLUMNS = List.of(
			new Column("Keep-alive req/s", RunData.KEEPALIVE + ".rps", true, Format::count),
			new Column("Keep-alive CPU µs/req", RunData.KEEPALIVE + ".cpu.us", false, Format::micros),
			new Column("Churn req/s", RunData.CHURN + ".rps", true, Format::count),
			new Column("Churn CPU µs/req", RunData.CHURN + ".cpu.us", false, Format::micros),
			new Column("Churn p99 ms", RunData.CHURN + ".p99.ms", false, Format::millis));

	private final RunData run;

	ServerChoiceSection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		List<String> servers = CHOICES.stream().filter(this.run.servers()::contains).toList();
		if (servers.size() < 2) {
			return;
		}
		md.append("\n## Choosing a server\n\nThe servers a Spring WebFlux application can run on, ");
		md.append("by the median over the rounds (× A in brackets: the median of the ratios to A in the same round).");
		md.append(" Stalled loop: p99.9 of connect + response while each loop (on J and T: a worker) is blocked ");
		md.append("in turn, where the run had the stalled loop.\n\n");
		List<String> header = new ArrayList<>(List.of("Server"));
		COLUMNS.forEach((column) -> header.add(column.title()));
		header.add("Stalled loop p99.9 ms");
		row(md, header.toArray(String[]::new));
		row(md, header.stream().map((title) -> title.equals("Server") ? "---" : "---:").toArray(String[]::new));
		for (String server : servers) {
			List<String> cells = new ArrayList<>(List.of(server));
			for (Column column : COLUMNS) {
				Summary summary = this.run.summary(server, column.figure());
				String ratio = this.run.ratioToACell(server, column.figure());
				cells.add((summary != null) ? column.format().apply(summary.median()) + " (" + ratio + ")" : "n/a");
			}
			StallRun stall = this.run.stalls.get(server);
			cells.add((stall != null) ? Format.millis(stall.p999()) : "n/a");
			row(md, cells.toArray(String[]::new));
		}
		md.append("\nBest: ");
		List<String> best = new ArrayList<>();
		for (Column column : COLUMNS) {
			String winner = best(servers, column);
			if (winner != null) {
				best.add(column.title() + " **" + winner + "**");
			}
		}
		md.append(best.isEmpty() ? "n/a" : String.join(", ", best)).append(".\n");
	}

	private @Nullable String best(List<String> servers, Column column) {
		String winner = null;
		double bestValue = Double.NaN;
		for (String server : servers) {
			Summary summary = this.run.summary(server, column.figure());
			if (summary == null) {
				continue;
			}
			double value = summary.median();
			if (winner == null || (column.higherIsBetter() ? value > bestValue : value < bestValue)) {
				winner = server;
				bestValue = value;
			}
		}
		return winner;
	}

	/**
	 * One column of the table.
	 *
	 * @param title the column's title
	 * @param figure the figure, such as {@code churn.rps}
	 * @param higherIsBetter whether the best value is the highest
	 * @param format how a value is written
	 */
	private record Column(String title, String figure, boolean higherIsBetter, DoubleFunction<String> format) {

	}

}
