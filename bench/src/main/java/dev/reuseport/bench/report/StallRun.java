package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One server's stalled-loop run, from the samples file of {@code StallClient}: the
 * blocks, one per event loop, and the new connections of the steady load. A connection
 * counts for a block when it started early enough in it to be delayed by more than
 * {@link #DELAYED_MS}: at least that long before the block ended. Otherwise a server that
 * stalls every new connection for the rest of a 1 s block would show only half of them
 * delayed. One that failed or never finished counts as delayed, with an infinite time.
 * The p99.9 covers every connection that started during any block.
 */
public final class StallRun {

	/**
	 * Connect-plus-response times above this many milliseconds count as delayed.
	 */
	public static final double DELAYED_MS = 500;

	private final List<Block> blocks;

	private final List<Exchange> exchanges;

	StallRun(List<Block> blocks, List<Exchange> exchanges) {
		this.blocks = List.copyOf(blocks);
		this.exchanges = List.copyOf(exchanges);
	}

	/**
	 * Parse a samples file.
	 * @param text the file
	 * @return the run
	 */
	public static StallRun parse(String text) {
		List<Block> blocks = new ArrayList<>();
		List<Exchange> exchanges = new ArrayList<>();
		for (String line : text.lines().map(String::strip).toList()) {
			String[] f = line.split("\\s+");
			if (f[0].equals("loop") && f.length == 5) {
				blocks.add(new Block(f[1], Boolean.parseBoolean(f[2]), Double.parseDouble(f[3]),
						Double.parseDouble(f[4])));
			}
			else if (f[0].equals("conn") && f.length == 5) {
				double total = f[4].equals("ok") ? Double.parseDouble(f[3]) : Double.POSITIVE_INFINITY;
				exchanges.add(new Exchange(Double.parseDouble(f[1]), total));
			}
		}
		if (blocks.isEmpty()) {
			throw new IllegalArgumentException("no 'loop' lines (did the stall client run?)");
		}
		return new StallRun(blocks, exchanges);
	}

	/**
	 * Return the figures of each block, in the order the loops were blocked.
	 * @return one entry per loop
	 */
	public List<LoopStall> loops() {
		return this.blocks.stream().map((block) -> {
			double[] times = sorted(this.exchanges.stream().filter((e) -> block.exposes(e.start())).toList());
			return new LoopStall(block.loop(), block.listener(), times.length, Stats.shareAbove(times, DELAYED_MS),
					Stats.percentile(times, 50), Stats.percentile(times, 99), Stats.percentile(times, 100));
		}).toList();
	}

	/**
	 * Return the loop whose block delayed the largest share of new connections. A block
	 * during which no connection started has no share, and is worst only when no block
	 * has one.
	 * @return the worst loop
	 */
	public LoopStall worst() {
		List<LoopStall> loops = loops();
		return loops.stream()
			.filter((loop) -> !Double.isNaN(loop.delayedShare()))
			.max((a, b) -> Double.compare(a.delayedShare(), b.delayedShare()))
			.orElse(loops.get(0));
	}

	/**
	 * Return the mean over loops of the share of delayed new connections.
	 * @return the mean share
	 */
	public double meanShare() {
		return loops().stream()
			.mapToDouble(LoopStall::delayedShare)
			.filter((s) -> !Double.isNaN(s))
			.average()
			.orElse(Double.NaN);
	}

	/**
	 * Return the connect-plus-response times of the connections that started during any
	 * block, sorted.
	 * @return the times in milliseconds
	 */
	public double[] stalledTimes() {
		return sorted(this.exchanges.stream()
			.filter((e) -> this.blocks.stream().anyMatch((block) -> block.holds(e.start())))
			.toList());
	}

	/**
	 * Return the 99.9th percentile over the connections that started during any block.
	 * @return the time in milliseconds
	 */
	public double p999() {
		return Stats.percentile(stalledTimes(), 99.9);
	}

	private static double[] sorted(List<Exchange> exchanges) {
		double[] times = exchanges.stream().mapToDouble(Exchange::totalMs).toArray();
		Arrays.sort(times);
		return times;
	}

	/**
	 * One block of one loop, in milliseconds since the load started.
	 *
	 * @param loop the loop's thread name
	 * @param listener whether the loop holds a listening socket
	 * @param startMs when the block request was sent
	 * @param endMs when its response arrived, which is when the loop was free again
	 */
	public record Block(String loop, boolean listener, double startMs, double endMs) {

		boolean holds(double ms) {
			return ms >= this.startMs && ms < this.endMs;
		}

		boolean exposes(double ms) {
			return ms >= this.startMs && ms < this.endMs - DELAYED_MS;
		}

	}

	/**
	 * One new connection of the load.
	 *
	 * @param start when it started, in milliseconds since the load started
	 * @param totalMs its connect-plus-response time, infinite when it did not complete
	 */
	record Exchange(double start, double totalMs) {

	}

	/**
	 * The figures of one blocked loop.
	 *
	 * @param loop the loop's thread name
	 * @param listener whether it holds a listening socket
	 * @param connections the new connections that started during its block
	 * @param delayedShare the share of those that took more than {@link #DELAYED_MS}
	 * @param p50 their median connect-plus-response time, in milliseconds
	 * @param p99 their 99th percentile
	 * @param max their longest
	 */
	public record LoopStall(String loop, boolean listener, int connections, double delayedShare, double p50, double p99,
			double max) {

	}

}
