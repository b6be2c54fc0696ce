package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.List;

import static dev.reuseport.bench.report.Format.row;

/**
 * The part of the report that compares each variant of B ({@code bench/run.sh
 * --variant}) with B itself: each figure's ratio to B's, taken within each round like the
 * ratios to A, so that two builds or two configurations of the starter can be told apart
 * on a drifting machine.
 */
final class VariantSection {

	private static final List<String> FIGURES = List.of("rps", "cpu.us", "p99.ms");

	private static final List<String> LABELS = List.of("req/s", "CPU µs/req", "p99 ms");

	private final RunData run;

	VariantSection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		List<String> variants = this.run.variants().stream().filter(this.run.servers()::contains).toList();
		if (variants.isEmpty() || !this.run.servers().contains("B")) {
			return;
		}
		md.append("\n## Variants against B\n\n");
		for (String variant : variants) {
			md.append("- ").append(variant).append(": ").append(this.run.describe(variant)).append('\n');
		}
		md.append("\nEach cell is the variant's figure divided by B's from the same round, then the median ");
		md.append("(min–max) of those ratios: above 1 is more req/s, more CPU per request or a longer p99 ");
		md.append("than B.\n\n");
		List<String> header = new ArrayList<>(List.of("Step", "Figure"));
		List<String> align = new ArrayList<>(List.of("---", "---"));
		variants.forEach((variant) -> {
			header.add(variant + " / B");
			align.add("---:");
		});
		row(md, header.toArray(String[]::new));
		row(md, align.toArray(String[]::new));
		for (String step : this.run.steps()) {
			for (int i = 0; i < FIGURES.size(); i++) {
				List<String> cells = new ArrayList<>(List.of(step, LABELS.get(i)));
				for (String variant : variants) {
					cells.add(Format.ratioCell(this.run.ratio(variant, "B", step + "." + FIGURES.get(i))));
				}
				row(md, cells.toArray(String[]::new));
			}
		}
	}

}
