package dev.reuseport.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;

/**
 * A bounded load client for rolling-restart tests. {@code clients} threads send
 * {@code GET /} to the sample application on {@link SampleAppSupport#HOST} as fast as it
 * answers, half of them on a new connection per request and half on kept-alive
 * connections, until standard input closes, {@code maxRequests} requests have been sent
 * or {@code maxSeconds} have passed. It runs in a JVM of its own so that a test can start
 * it inside a network namespace.
 * <p>
 * A request fails unless a sample process answers it with a 2xx: a refused or reset
 * connection, a connection closed before the whole answer, a timeout or another status
 * all count. A kept-alive client opens a new connection after an answer that says
 * {@code Connection: close}, as a well-behaved client does, and after a failure; it never
 * retries a request.
 * <p>
 * Every 200 ms, and once more at the end, it prints a {@link Report} line.
 */
final class HandoverLoadClient {

	private static final int FAILURE_SAMPLES = 20;

	private static final Pattern PID = Pattern.compile("pid: (\\d+),");

	private final int port;

	private final long maxRequests;

	private final long deadline;

	private final LongAdder requests = new LongAdder();

	private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

	private final Map<Long, LongAdder> answersByPid = new ConcurrentHashMap<>();

	private final ConcurrentLinkedQueue<String> failureSamples = new ConcurrentLinkedQueue<>();

	private volatile boolean stopped;

	private HandoverLoadClient(int port, long maxRequests, Duration maxDuration) {
		this.port = port;
		this.maxRequests = maxRequests;
		this.deadline = System.nanoTime() + maxDuration.toNanos();
	}

	/**
	 * Run the load.
	 * @param args the port, the number of clients, the most requests and the most seconds
	 * @throws InterruptedException if interrupted while waiting for the clients
	 */
	public static void main(String[] args) throws InterruptedException {
		HandoverLoadClient load = new HandoverLoadClient(Integer.parseInt(args[0]), Long.parseLong(args[2]),
				Duration.ofSeconds(Long.parseLong(args[3])));
		Thread stdin = new Thread(load::stopWhenStandardInputCloses, "stdin");
		stdin.setDaemon(true);
		stdin.start();
		ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
		progress.scheduleAtFixedRate(() -> System.out.println(load.report(false).toLine()), 200, 200,
				TimeUnit.MILLISECONDS);
		List<Thread> clients = new ArrayList<>();
		int count = Integer.parseInt(args[1]);
		for (int i = 0; i < count; i++) {
			Runnable client = (i % 2 == 0) ? load::newConnectionPerRequest : load::keptAliveConnections;
			clients.add(new Thread(client, "client-" + i));
		}
		clients.forEach(Thread::start);
		for (Thread client : clients) {
			client.join();
		}
		progress.shutdownNow();
		load.failureSamples.forEach((sample) -> System.out.println("failure " + sample));
		System.out.println(load.report(true).toLine());
	}

	private void stopWhenStandardInputCloses() {
		try {
			while (System.in.read() != -1) {
				// Only the end of the stream matters
			}
		}
		catch (IOException ex) {
			// Stop as well
		}
		this.stopped = true;
	}

	private boolean running() {
		return !this.stopped && this.requests.sum() < this.maxRequests && System.nanoTime() - this.deadline < 0;
	}

	private void newConnectionPerRequest() {
		while (running()) {
			this.requests.increment();
			try {
				answered(RawHttp.get(this.port, "/"));
			}
			catch (UncheckedIOException ex) {
				failed(ex.getCause());
			}
			catch (RuntimeException | AssertionError ex) {
				failed(ex);
			}
		}
	}

	private void keptAliveConnections() {
		Socket socket = null;
		while (running()) {
			this.requests.increment();
			try {
				if (socket == null) {
					socket = RawHttp.connect(this.port);
				}
				RawHttp.send(socket, "/", false);
				Response response = RawHttp.read(socket);
				answered(response);
				if ("close".equalsIgnoreCase(response.header("Connection"))) {
					socket = close(socket);
				}
			}
			catch (IOException | RuntimeException | AssertionError ex) {
				failed(ex);
				socket = close(socket);
			}
		}
		close(socket);
	}

	private static Socket close(Socket socket) {
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// Already broken
			}
		}
		return null;
	}

	private void answered(Response response) {
		Matcher pid = PID.matcher(response.body());
		if (response.status() / 100 != 2 || !pid.find()) {
			failed("bad-response", "status " + response.status() + ": " + response.body());
			return;
		}
		this.answersByPid.computeIfAbsent(Long.parseLong(pid.group(1)), (key) -> new LongAdder()).increment();
	}

	private void failed(Throwable failure) {
		String kind;
		if (failure instanceof ConnectException) {
			kind = "connect";
		}
		else if (failure instanceof SocketTimeoutException) {
			kind = "timeout";
		}
		else if (failure instanceof IOException) {
			kind = "reset";
		}
		else if (failure instanceof AssertionError) {
			kind = "bad-response";
		}
		else {
			kind = "other";
		}
		failed(kind, String.valueOf(failure));
	}

	private void failed(String kind, String detail) {
		this.failures.computeIfAbsent(kind, (key) -> new LongAdder()).increment();
		if (this.failureSamples.size() < FAILURE_SAMPLES) {
			this.failureSamples.add(kind + " at " + System.currentTimeMillis() + ": " + detail.replace('\n', ' '));
		}
	}

	private Report report(boolean last) {
		return new Report(last, this.requests.sum(), sums(this.failures), sums(this.answersByPid));
	}

	private static <K extends Comparable<K>> Map<K, Long> sums(Map<K, LongAdder> adders) {
		Map<K, Long> sums = new TreeMap<>();
		adders.forEach((key, adder) -> sums.put(key, adder.sum()));
		return sums;
	}

	/**
	 * What the load client has seen so far.
	 *
	 * @param last whether the load has ended
	 * @param requests the requests sent, failed ones included
	 * @param failures the failed requests, by kind ({@code connect}, {@code reset},
	 * {@code timeout}, {@code bad-response} or {@code other})
	 * @param answersByPid the successful answers, by the process id that answered
	 */
	record Report(boolean last, long requests, Map<String, Long> failures, Map<Long, Long> answersByPid) {

		private static final Pattern LINE = Pattern
			.compile("report last=(true|false) requests=(\\d+) failures=\\{(.*)\\} answers=\\{(.*)\\}");

		long failed() {
			return this.failures.values().stream().mapToLong(Long::longValue).sum();
		}

		String toLine() {
			return "report last=%s requests=%d failures={%s} answers={%s}".formatted(this.last, this.requests,
					join(this.failures), join(this.answersByPid));
		}

		/**
		 * Return the last report in some output of the load client.
		 * @param output the output
		 * @return the report, or {@code null} when there is none yet
		 */
		static Report lastIn(List<String> output) {
			for (int i = output.size() - 1; i >= 0; i--) {
				Matcher line = LINE.matcher(output.get(i));
				if (line.matches()) {
					return new Report(Boolean.parseBoolean(line.group(1)), Long.parseLong(line.group(2)),
							split(line.group(3), String::valueOf), split(line.group(4), Long::valueOf));
				}
			}
			return null;
		}

		private static String join(Map<?, Long> counts) {
			return counts.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + "=" + entry.getValue())
				.collect(Collectors.joining(","));
		}

		private static <K> Map<K, Long> split(String counts, java.util.function.Function<String, K> key) {
			Map<K, Long> map = new LinkedHashMap<>();
			Arrays.stream(counts.split(","))
				.filter((entry) -> !entry.isEmpty())
				.map((entry) -> entry.split("="))
				.forEach((entry) -> map.put(key.apply(entry[0]), Long.parseLong(entry[1])));
			return map;
		}

	}

}
