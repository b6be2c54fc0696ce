package dev.reuseport.bench.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import dev.reuseport.bench.report.Stats;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.Http3SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The HTTP/3 scenario's load: {@code --connections} QUIC connections, each from its own
 * client port, with {@code --streams} requests in flight on each, on {@code --threads}
 * epoll loops of this process, for {@code GET /}. It warms the server up until
 * {@code --windows} consecutive windows of {@code --window-seconds} agree within
 * {@code --tolerance} (or {@code --max-warmup-seconds} pass), then measures
 * {@code --seconds}, reading the server's CPU time ({@code --server-pid}) and its
 * threads' from {@code /proc} at the start and the end of the measured step. It prints
 * {@code key=value} lines.
 * <p>
 * Usage: {@code Http3Load --port 8443 --server-pid 4242 [--connections 64] [--streams 4]
 * [--threads 2] [--seconds 10] [--window-seconds 2] [--windows 3] [--tolerance 0.05]
 * [--max-warmup-seconds 60] [--clk-tck 100]}.
 */
public final class Http3Load {

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

	private final LongAdder completed = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final AtomicBoolean running = new AtomicBoolean(true);

	private Http3Load() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>(Map.of("--connections", "64", "--streams", "4", "--threads", "2",
				"--seconds", "10", "--window-seconds", "2", "--windows", "3", "--tolerance", "0.05",
				"--max-warmup-seconds", "60", "--clk-tck", "100"));
		for (int i = 0; i + 1 < args.length; i += 2) {
			if (!args[i].startsWith("--")) {
				throw new IllegalArgumentException("Unknown argument: " + args[i]);
			}
			options.put(args[i], args[i + 1]);
		}
		if (!options.containsKey("--port") || !options.containsKey("--server-pid")) {
			throw new IllegalArgumentException("--port and --server-pid are required");
		}
		new Http3Load().run(options);
		System.exit(0);
	}

	private void run(Map<String, String> options) throws Exception {
		int port = Integer.parseInt(options.get("--port"));
		int connections = Integer.parseInt(options.get("--connections"));
		int streams = Integer.parseInt(options.get("--streams"));
		long pid = Long.parseLong(options.get("--server-pid"));
		double clkTck = Double.parseDouble(options.get("--clk-tck"));
		MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(Integer.parseInt(options.get("--threads")),
				new DefaultThreadFactory("h3-load", true), EpollIoHandler.newFactory());
		List<ConnectionProvider> pools = new ArrayList<>();
		for (int i = 0; i < connections; i++) {
			ConnectionProvider pool = ConnectionProvider.create("h3-load-" + i, 1);
			pools.add(pool);
			HttpClient client = client(pool, loops, port);
			for (int stream = 0; stream < streams; stream++) {
				requestLoop(client).subscribe();
			}
		}
		List<Double> windows = new ArrayList<>();
		long warmupStart = System.nanoTime();
		long windowMillis = Long.parseLong(options.get("--window-seconds")) * 1000;
		int stable = -1;
		while (stable < 0 && System.nanoTime() - warmupStart < Long.parseLong(options.get("--max-warmup-seconds"))
				* 1_000_000_000L) {
			windows.add(count(windowMillis) * 1000.0 / windowMillis);
			stable = Stats.stableAfter(windows, Integer.parseInt(options.get("--windows")),
					Double.parseDouble(options.get("--tolerance")));
		}
		long failedBefore = this.failed.sum();
		Map<String, Double> threadsBefore = threadTicks(pid);
		double cpuBefore = processTicks(pid);
		long seconds = Long.parseLong(options.get("--seconds"));
		long requests = count(seconds * 1000);
		double cpuSeconds = (processTicks(pid) - cpuBefore) / clkTck;
		Map<String, Double> threadsAfter = threadTicks(pid);
		this.running.set(false);
		System.out.println("warmup.seconds=" + Math.round((System.nanoTime() - warmupStart) / 1e9 - seconds));
		System.out.println("warmup.stable=" + (stable >= 0));
		System.out.println("requests=" + requests);
		System.out.println("seconds=" + seconds);
		System.out.printf(Locale.ROOT, "rps=%.1f%n", requests / (double) seconds);
		System.out.println("errors=" + (this.failed.sum() - failedBefore));
		System.out.printf(Locale.ROOT, "server.cpu.seconds=%.2f%n", cpuSeconds);
		System.out.printf(Locale.ROOT, "cpu.us.per.request=%.1f%n", (requests > 0) ? cpuSeconds * 1e6 / requests : 0);
		loopShares(threadsBefore, threadsAfter, clkTck, seconds);
		pools.forEach((pool) -> pool.disposeLater().subscribe());
	}

	private static HttpClient client(ConnectionProvider pool, MultiThreadIoEventLoopGroup loops, int port) {
		return HttpClient.create(pool)
			.runOn(loops)
			.protocol(HttpProtocol.HTTP3)
			.secure((spec) -> spec.sslContext(Http3SslContextSpec.forClient()
				.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))))
			.http3Settings((settings) -> settings.idleTimeout(Duration.ofSeconds(30))
				.maxData(10_000_000)
				.maxStreamDataBidirectionalLocal(1_000_000)
				.maxStreamDataBidirectionalRemote(1_000_000)
				.maxStreamsBidirectional(100))
			.baseUrl("https://127.0.0.1:" + port);
	}

	/**
	 * Send {@code GET /} again as soon as each response has arrived, until the load
	 * stops.
	 */
	private Flux<Void> requestLoop(HttpClient client) {
		return Mono.defer(() -> client.get()
			.uri("/")
			.responseSingle((response, body) -> body.asString().thenReturn(response.status().code()))
			.timeout(REQUEST_TIMEOUT)
			.doOnNext((status) -> ((status == 200) ? this.completed : this.failed).increment())
			.onErrorResume((ex) -> {
				this.failed.increment();
				return Mono.empty();
			})
			.then()).repeat(this.running::get);
	}

	private long count(long millis) throws InterruptedException {
		long before = this.completed.sum();
		Thread.sleep(millis);
		return this.completed.sum() - before;
	}

	private static double processTicks(long pid) throws IOException {
		return ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
	}

	/**
	 * The CPU ticks of each event loop thread of the server, by name: Reactor Netty's
	 * ({@code reactor-http-epoll-N}) and the starter's ({@code reuseport-listener-N}).
	 */
	private static Map<String, Double> threadTicks(long pid) throws IOException {
		Map<String, Double> ticks = new HashMap<>();
		try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
			for (Path task : tasks.toList()) {
				try {
					String stat = Files.readString(task.resolve("stat"));
					String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
					if (name.startsWith("reactor-http") || name.startsWith("reuseport-liste")) {
						ticks.merge(name + "#" + task.getFileName(), ticks(stat), Double::sum);
					}
				}
				catch (IOException ex) {
					// A thread that ended meanwhile
				}
			}
		}
		return ticks;
	}

	private static double ticks(String stat) {
		// Fields after the command name, which may hold spaces: utime and stime are the
		// 14th and 15th fields of the line
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Double.parseDouble(fields[11]) + Double.parseDouble(fields[12]);
	}

	/**
	 * Print how busy the busiest event loop was, and how many loops did a tenth of the
	 * busiest one's work or more: one for a single socket, every loop when the load
	 * spreads.
	 */
	private static void loopShares(Map<String, Double> before, Map<String, Double> after, double clkTck, long seconds) {
		List<Double> busy = after.entrySet()
			.stream()
			.map((entry) -> (entry.getValue() - before.getOrDefault(entry.getKey(), 0.0)) / clkTck / seconds)
			.sorted((a, b) -> Double.compare(b, a))
			.toList();
		double busiest = busy.isEmpty() ? 0 : busy.get(0);
		System.out.printf(Locale.ROOT, "loop.busiest=%.2f%n", busiest);
		System.out.println("loops.busy=" + busy.stream().filter((share) -> share > 0 && share >= busiest / 10).count());
	}

}
