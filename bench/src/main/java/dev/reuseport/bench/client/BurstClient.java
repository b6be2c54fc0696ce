package dev.reuseport.bench.client;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import dev.reuseport.bench.report.Stats;

/**
 * The burst-accept client: opens a fixed number of TCP connections as fast as several
 * {@link BurstWorker threads} can, sends one {@code GET / ... Connection: close} on each,
 * reads the response to the end and closes. It records each connection's connect time
 * (from {@code connect()} until the connection is established) and response time, and the
 * growth of {@code TcpExt ListenOverflows} and {@code ListenDrops} over the burst.
 * <p>
 * A SYN dropped because an accept queue was full is retransmitted after a second, so
 * overflows show up as connect times over {@value #RETRANSMIT_MS} ms, which are counted.
 * With {@code --stall-ms}, the burst starts just after the client has blocked the loop
 * that holds the server's first listening socket for that long (the stalled-loop
 * scenario's {@code /block} route). A server whose listening socket no handler's thread
 * holds (Jetty, Tomcat: an acceptor thread of its own) gets one serving thread blocked
 * instead, a pool worker, which is what a blocking handler does to them.
 * <p>
 * Usage: {@code BurstClient --port 8080 [--connections 20000] [--threads 4]
 * [--max-open 15000] [--batch 16] [--timeout-seconds 30] [--stall-ms 1000 --loops 4]}.
 * The result is printed as {@code key=value} lines (milliseconds for times).
 */
public final class BurstClient {

	/**
	 * Connect times above this many milliseconds mark a SYN retransmission.
	 */
	static final long RETRANSMIT_MS = 900;

	private BurstClient() {
	}

	public static void main(String[] args) throws Exception {
		int port = -1;
		int connections = 20_000;
		int threads = 4;
		int maxOpen = 15_000;
		int batch = 16;
		int timeoutSeconds = 30;
		int stallMillis = 0;
		int loops = 4;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--port" -> port = Integer.parseInt(args[++i]);
				case "--connections" -> connections = Integer.parseInt(args[++i]);
				case "--threads" -> threads = Integer.parseInt(args[++i]);
				case "--max-open" -> maxOpen = Integer.parseInt(args[++i]);
				case "--batch" -> batch = Integer.parseInt(args[++i]);
				case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(args[++i]);
				case "--stall-ms" -> stallMillis = Integer.parseInt(args[++i]);
				case "--loops" -> loops = Integer.parseInt(args[++i]);
				default -> throw new IllegalArgumentException("Unknown argument: " + args[i]);
			}
		}
		if (port <= 0) {
			throw new IllegalArgumentException("--port is required");
		}
		InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
		PrintStream out = System.out;
		HttpConnection stalled = (stallMillis > 0) ? stall(address, loops, stallMillis, out) : null;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
		List<BurstWorker> workers = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int share = connections / threads + ((t < connections % threads) ? 1 : 0);
			workers.add(new BurstWorker(address, share, Math.max(1, maxOpen / threads), batch, deadline));
		}
		NetStat before = NetStat.read();
		long start = System.nanoTime();
		List<Thread> running = workers.stream().map((worker) -> new Thread(worker, "burst")).toList();
		running.forEach(Thread::start);
		for (Thread thread : running) {
			thread.join();
		}
		long elapsed = System.nanoTime() - start;
		NetStat after = NetStat.read();
		if (stalled != null) {
			stalled.readResponse();
			stalled.close();
		}
		out.println("connections=" + connections);
		out.println("threads=" + threads);
		out.println("elapsed.ms=" + millis(elapsed));
		report(out, workers);
		out.println("listenOverflows=" + after.since(before, NetStat.LISTEN_OVERFLOWS));
		out.println("listenDrops=" + after.since(before, NetStat.LISTEN_DROPS));
	}

	/**
	 * Block the loop that holds the server's first listening socket (or, where no loop
	 * holds one, the first serving thread found), and return the connection whose
	 * response ends the block.
	 */
	private static HttpConnection stall(InetSocketAddress address, int loops, int millis, PrintStream out)
			throws IOException, InterruptedException {
		List<String> listenerLoops = LoopFinder.listenerLoops(address);
		Map<String, HttpConnection> found = LoopFinder.find(address, loops, 50 * loops);
		String target = listenerLoops.isEmpty() ? found.keySet().stream().findFirst().orElse(null)
				: listenerLoops.stream().filter(found::containsKey).findFirst().orElse(null);
		if (target == null) {
			LoopFinder.closeAll(found);
			throw new IllegalStateException("No connection served by a listening loop " + listenerLoops);
		}
		HttpConnection connection = found.remove(target);
		LoopFinder.closeAll(found);
		connection.send("/block?ms=" + millis);
		// Let the loop read the request and start blocking before the burst begins
		Thread.sleep(50);
		out.println("stall.loop=" + target);
		out.println("stall.ms=" + millis);
		return connection;
	}

	private static void report(PrintStream out, List<BurstWorker> workers) {
		long[] connect = workers.stream()
			.flatMapToLong((worker) -> LongStream.of(worker.connectNanos).limit(worker.connected))
			.sorted()
			.toArray();
		long[] response = workers.stream()
			.flatMapToLong((worker) -> LongStream.of(worker.responseNanos).limit(worker.completed))
			.sorted()
			.toArray();
		Map<String, Integer> errors = new TreeMap<>();
		workers.forEach((worker) -> worker.errors.forEach((error, count) -> errors.merge(error, count, Integer::sum)));
		out.println("connected=" + connect.length);
		out.println("completed=" + response.length);
		out.println("failed=" + workers.stream().mapToInt((worker) -> worker.failed).sum());
		out.println("timedOut=" + workers.stream().mapToInt((worker) -> worker.timedOut).sum());
		out.println("connect.p50.ms=" + millis(Stats.percentile(connect, 50)));
		out.println("connect.p99.ms=" + millis(Stats.percentile(connect, 99)));
		out.println("connect.max.ms=" + millis(Stats.percentile(connect, 100)));
		out.println("connect.over" + RETRANSMIT_MS + "ms="
				+ Arrays.stream(connect).filter((nanos) -> nanos > RETRANSMIT_MS * 1_000_000).count());
		out.println("response.p50.ms=" + millis(Stats.percentile(response, 50)));
		out.println("response.p99.ms=" + millis(Stats.percentile(response, 99)));
		out.println("response.max.ms=" + millis(Stats.percentile(response, 100)));
		errors.forEach((error, count) -> out.println("error=" + count + " x " + error.replace('\n', ' ')));
	}

	private static String millis(long nanos) {
		return (nanos < 0) ? "NaN" : "%.3f".formatted(nanos / 1e6);
	}

}
