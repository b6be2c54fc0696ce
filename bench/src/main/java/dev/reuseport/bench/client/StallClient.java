package dev.reuseport.bench.client;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The stalled-loop scenario: while a steady {@link OpenLoopLoad} opens new connections,
 * it blocks each of the server's event loops in turn ({@code GET /block} on a connection
 * that the loop serves) and records when each block started and ended. The report
 * attributes each new connection to the block it started in and counts how many were
 * delayed.
 * <p>
 * Usage: {@code StallClient --port 8080 --loops 4 --samples FILE [--block-ms 1000]
 * [--gap-ms 1000] [--lead-ms 1000] [--rate 200]}. The samples file holds one
 * {@code loop <name> <listener> <start ms> <end ms>} line per block, where listener says
 * whether the loop holds a listening socket, and one {@code conn} line per new connection
 * (see {@link OpenLoopLoad#write(PrintStream)}). A summary is printed as
 * {@code key=value} lines.
 */
public final class StallClient {

	private StallClient() {
	}

	public static void main(String[] args) throws Exception {
		int port = -1;
		int loops = 4;
		int blockMillis = 1000;
		int gapMillis = 1000;
		int leadMillis = 1000;
		int rate = 200;
		Path samples = null;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--port" -> port = Integer.parseInt(args[++i]);
				case "--loops" -> loops = Integer.parseInt(args[++i]);
				case "--block-ms" -> blockMillis = Integer.parseInt(args[++i]);
				case "--gap-ms" -> gapMillis = Integer.parseInt(args[++i]);
				case "--lead-ms" -> leadMillis = Integer.parseInt(args[++i]);
				case "--rate" -> rate = Integer.parseInt(args[++i]);
				case "--samples" -> samples = Path.of(args[++i]);
				default -> throw new IllegalArgumentException("Unknown argument: " + args[i]);
			}
		}
		if (port <= 0 || samples == null) {
			throw new IllegalArgumentException("--port and --samples are required");
		}
		InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
		List<String> listenerLoops = LoopFinder.listenerLoops(address);
		Map<String, HttpConnection> connections = LoopFinder.find(address, loops, 50 * loops);
		System.out.println("loops.expected=" + loops);
		System.out.println("loops.found=" + connections.size());
		System.out.println("listener.loops=" + String.join(",", listenerLoops));
		// Bounds the load: every block, its gap and the lead, twice over
		int maxSeconds = 2 * (leadMillis + connections.size() * (blockMillis + gapMillis)) / 1000 + 2;
		OpenLoopLoad load = new OpenLoopLoad(address, rate, maxSeconds, 5);
		long origin = System.nanoTime();
		load.origin(origin);
		Thread thread = new Thread(load, "stall-load");
		thread.start();
		try (PrintStream out = new PrintStream(Files.newOutputStream(samples))) {
			out.println("# block lines: loop <name> <holds a listener> <start ms> <end ms>; conn lines: "
					+ "conn <start ms> <connect ms> <connect+response ms> <state>");
			Thread.sleep(leadMillis);
			for (Map.Entry<String, HttpConnection> loop : connections.entrySet()) {
				long blockStart = System.nanoTime() - origin;
				loop.getValue().send("/block?ms=" + blockMillis);
				loop.getValue().readResponse();
				long blockEnd = System.nanoTime() - origin;
				out.printf("loop %s %b %.3f %.3f%n", loop.getKey(), listenerLoops.contains(loop.getKey()),
						blockStart / 1e6, blockEnd / 1e6);
				Thread.sleep(gapMillis);
			}
			load.stop();
			thread.join();
			load.write(out);
		}
		finally {
			load.stop();
			LoopFinder.closeAll(connections);
		}
		System.out.println("connections=" + load.issued());
	}

}
