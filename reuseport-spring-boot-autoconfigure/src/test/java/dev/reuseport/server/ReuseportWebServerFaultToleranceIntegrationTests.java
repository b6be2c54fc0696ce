package dev.reuseport.server;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.reuseport.metrics.ReuseportMeters;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.LoopStall;
import dev.reuseport.test.Prerequisites;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.ReuseportBindAttempt;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.reuseport.test.TestApplication.port;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ReuseportWebServer} under hostile or unlucky conditions:
 * malformed input, a flood past the accept backlog, a blocked event loop and another user
 * trying to join the port, all on real sockets of 127.0.0.1.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportWebServerFaultToleranceIntegrationTests {

	private static final int LISTENERS = 4;

	private static final int MALFORMED_REQUESTS = 10_000;

	private static final int SLOW_CONNECTIONS = 64;

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	/**
	 * The first line of a logged exception.
	 */
	private static final Pattern EXCEPTION = Pattern.compile("^(Caused by: )?[\\w.$]+(Exception|Error)(: .*)?$");

	/**
	 * What a malformed request may make the application log: Reactor Netty's report of a
	 * request it could not decode and answered with a 4xx, and WebFlux's report of a
	 * request body that failed or ended early while {@code /echo} read it.
	 */
	private static final List<Pattern> EXPECTED_PROBLEMS = List.of(
			Pattern.compile(".* WARN .* r\\.n\\.http\\.server\\.HttpServerOperations +: \\[.*\\] Decoding failed: .*"),
			Pattern.compile(".* ERROR .* o\\.s\\.w\\.s\\.adapter\\.HttpWebHandlerAdapter +: \\[.*\\] "
					+ "500 Server Error for HTTP POST \"/echo\""),
			Pattern.compile("java\\.lang\\.IllegalStateException: Status and headers already sent"),
			Pattern.compile("reactor\\.netty\\.channel\\.AbortedException: Connection has been closed"),
			Pattern.compile(".* WARN .* d\\.reuseport\\.server\\.ReuseportWebServer +: "
					+ "net\\.ipv4\\.tcp_migrate_req is 0: .*"));

	/**
	 * The loggers of the reports of malformed requests, captured rather than printed.
	 */
	private static final String[] MALFORMED_REQUEST_LOGGERS = { "reactor.netty.http.server.HttpServerOperations",
			"org.springframework.web.server.adapter.HttpWebHandlerAdapter" };

	/**
	 * What a malformed request may make those loggers report, as
	 * {@link CapturedLogs#text} renders it: Reactor Netty, a request it could not decode
	 * and answered with a 4xx, followed by its request line and header names and no
	 * exception; WebFlux, a request body that failed or ended early while {@code /echo}
	 * read it.
	 */
	private static final List<Pattern> EXPECTED_REPORTS = List.of(
			Pattern.compile("WARN reactor\\.netty\\.http\\.server\\.HttpServerOperations : \\[.*\\] "
					+ "Decoding failed: [^\\n]*(\\n[^\\n]* HTTP/[\\d.]+(\\n[^\\n:]+: <filtered>)*)?\\n"),
			Pattern.compile("ERROR org\\.springframework\\.web\\.server\\.adapter\\.HttpWebHandlerAdapter : \\[.*\\] "
					+ "500 Server Error for HTTP POST \"/echo\"\n"
					+ "(java\\.lang\\.IllegalStateException: Status and headers already sent"
					+ "|reactor\\.netty\\.channel\\.AbortedException: Connection has been closed)\n"));

	@Test
	void malformedRequestsAreRejectedAndEveryListenerKeepsServing(CapturedOutput output) throws Exception {
		try (CapturedLogs logs = CapturedLogs.capture(MALFORMED_REQUEST_LOGGERS);
				ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=" + LISTENERS,
						"server.netty.idle-timeout=1s")) {
			int port = port(context);
			List<ReuseportListener> listeners = webServer(context).getListeners();
			List<Long> acceptedBefore = listeners.stream().map(ReuseportListener::acceptedConnections).toList();
			List<Socket> slowConnections = openSlowConnections(port);
			Map<String, Long> outcomes;
			ExecutorService clients = Executors.newFixedThreadPool(8);
			try {
				List<Callable<String>> requests = new ArrayList<>();
				for (int i = 0; i < MALFORMED_REQUESTS; i++) {
					MalformedRequest kind = MalformedRequest.values()[i % MalformedRequest.values().length];
					byte[] bytes = kind.bytes(new Random(i));
					requests.add(() -> kind + " " + sendAndReadToTheEnd(port, bytes));
				}
				outcomes = countOutcomes(clients.invokeAll(requests, TIMEOUT.toSeconds(), TimeUnit.SECONDS));
			}
			finally {
				clients.shutdownNow();
			}
			System.out.println("Malformed request outcomes: " + outcomes);
			assertThat(outcomes.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(MALFORMED_REQUESTS);
			assertThat(outcomes.keySet()).noneMatch((outcome) -> outcome.matches(".* 5\\d\\d"))
				.contains("HUGE_HEADER 431", "HUGE_REQUEST_LINE 414", "BAD_REQUEST_LINE 400", "BAD_HEADER 400",
						"BAD_CHUNKS 400");
			for (Socket slow : slowConnections) {
				try (slow) {
					assertThat(endOfStream(slow)).as("slow connection closed by the idle timeout").isTrue();
				}
			}
			assertThat(servedListeners(port)).containsExactly(0, 1, 2, 3);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(
						() -> assertThat(registry.get(ReuseportMeters.CONNECTIONS_ACTIVE).gauges()).hasSize(LISTENERS)
							.allSatisfy((gauge) -> assertThat(gauge.value()).isZero()));
			for (ReuseportListener listener : listeners) {
				assertThat(listener.acceptedConnections()).as("connections accepted by %s", listener)
					.isGreaterThan(acceptedBefore.get(listener.index()) + MALFORMED_REQUESTS / (2 * LISTENERS));
			}
			assertThat(output.toString().lines().filter(ReuseportWebServerFaultToleranceIntegrationTests::isProblem))
				.as("problems logged, beyond the expected reports of malformed requests")
				.allMatch(
						(line) -> EXPECTED_PROBLEMS.stream().anyMatch((expected) -> expected.matcher(line).matches()));
			assertThat(logs.events()).filteredOn((event) -> !isExpectedReport(event))
				.extracting(CapturedLogs::text)
				.as("reports beyond those of malformed requests")
				.isEmpty();
			assertThat(logs.messages(Level.WARN)).anyMatch((message) -> message.contains("] Decoding failed: "));
			assertThat(logs.messages(Level.ERROR))
				.anyMatch((message) -> message.endsWith("] 500 Server Error for HTTP POST \"/echo\""));
		}
	}

	private static boolean isExpectedReport(ILoggingEvent event) {
		String report = CapturedLogs.text(event);
		return EXPECTED_REPORTS.stream().anyMatch((expected) -> expected.matcher(report).matches());
	}

	private static boolean isProblem(String line) {
		return line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("LEAK")
				|| EXCEPTION.matcher(line).matches();
	}

	private static List<Socket> openSlowConnections(int port) throws IOException {
		List<Socket> sockets = new ArrayList<>();
		for (int i = 0; i < SLOW_CONNECTIONS; i++) {
			Socket socket = RawHttp.connect(port);
			socket.getOutputStream()
				.write("GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
			sockets.add(socket);
		}
		return sockets;
	}

	/**
	 * Write the bytes, signal the end of the request, and read the answer until the
	 * server closes the connection.
	 * @return the status code of the answer, {@code closed} when the server closed the
	 * connection without one, or {@code reset} when it reset it
	 */
	private static String sendAndReadToTheEnd(int port, byte[] bytes) throws IOException {
		try (Socket socket = RawHttp.connect(port)) {
			try {
				socket.getOutputStream().write(bytes);
				socket.shutdownOutput();
				byte[] answer = socket.getInputStream().readAllBytes();
				return (answer.length >= 12) ? new String(answer, 9, 3, StandardCharsets.ISO_8859_1) : "closed";
			}
			catch (SocketException ex) {
				// The server rejected the request and closed before reading all of it
				return "reset";
			}
		}
	}

	private static Map<String, Long> countOutcomes(List<Future<String>> futures) throws Exception {
		List<String> outcomes = new ArrayList<>();
		for (Future<String> future : futures) {
			outcomes.add(future.get());
		}
		return outcomes.stream()
			.collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
	}

	private static boolean endOfStream(Socket socket) throws IOException {
		try {
			return socket.getInputStream().read() == -1;
		}
		catch (SocketException ex) {
			// Reset: closed as well
			return true;
		}
	}

	@Test
	void floodPastTheBacklogOverflowsOnlyTheStalledListenerAndEveryConnectionIsServedOnceItResumes() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication
			.run(new Class<?>[] { SmallBacklogConfiguration.class }, "reuseport.listeners=2")) {
			int port = port(context);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			double overflowsBefore = registry.get(ReuseportMeters.LISTEN_OVERFLOWS).functionCounter().count();
			StalledRun run = requestsDuringAStall(port, 200, 200, (stalledListener, answers) -> {
				ReuseportListener stalled = webServer(context).getListeners().get(stalledListener);
				await().atMost(Duration.ofSeconds(2))
					.until(() -> stalled.acceptQueue()
						.filter((queue) -> queue.length() >= SmallBacklogConfiguration.BACKLOG)
						.isPresent());
				await().atMost(Duration.ofSeconds(2)).until(() -> answers.stream().anyMatch(Future::isDone));
				assertThat(answers.stream().filter(Future::isDone)).as("answered during the stall")
					.allSatisfy(
							(answer) -> assertThat(answer.get().servedBy().listener()).isNotEqualTo(stalledListener));
			});
			double overflows = registry.get(ReuseportMeters.LISTEN_OVERFLOWS).functionCounter().count()
					- overflowsBefore;
			System.out.printf(
					"Flood: %d connections while listener %d (backlog %d) was stalled; %d of them served "
							+ "by it once it resumed; ListenOverflows +%.0f%n",
					run.answers().size(), run.listener(), SmallBacklogConfiguration.BACKLOG,
					run.answersFrom(run.listener()).size(), overflows);
			// No listener hands a connection to the stalled loop, whose queue is full;
			// once
			// it resumes, the stalled listener may hand part of its backlog to the idle
			// loop
			assertThat(run.answers()).filteredOn((answer) -> answer.servedBy().listener() != run.listener())
				.allSatisfy((answer) -> assertThat(answer.servedBy().onOwnLoop()).isTrue());
			assertThat(run.answersFrom(run.listener())).isNotEmpty();
			assertThat(overflows).as("ListenOverflows").isPositive();
			assertThat(webServer(context).getListeners()).allMatch(ReuseportListener::isOpen);
			assertThat(servedListeners(port)).containsExactly(0, 1);
		}
	}

	@Test
	void blockedLoopDelaysOnlyTheConnectionsOfItsOwnListener() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=" + LISTENERS)) {
			StalledRun run = requestsDuringAStall(port(context), 512, 128, (stalledListener, answers) -> {
			});
			List<Long> waited = run.answersFrom(run.listener()).stream().map(TimedAnswer::millis).toList();
			List<Long> others = run.answers()
				.stream()
				.filter((answer) -> answer.servedBy().listener() != run.listener())
				.map(TimedAnswer::millis)
				.toList();
			System.out.printf(
					"Blocked loop: %d of %d requests waited on listener %d (max %d ms); "
							+ "the others' p99 is %d ms%n",
					waited.size(), run.answers().size(), run.listener(), percentile(waited, 100),
					percentile(others, 99));
			assertThat(waited).as("requests that waited on the blocked listener").isNotEmpty();
			assertThat(percentile(waited, 100)).isGreaterThan(1000);
			assertThat(others).hasSizeGreaterThan(run.answers().size() / 2);
			assertThat(percentile(others, 99)).as("p99 of the other listeners, in ms").isLessThan(1000);
		}
	}

	/**
	 * Block the loop of one listener for 3 seconds and, meanwhile, send {@code count}
	 * requests on new connections from {@code threads} threads; wait for every answer.
	 * @param whileStalled what to check before the loop resumes
	 */
	private static StalledRun requestsDuringAStall(int port, int count, int threads, WhileStalled whileStalled)
			throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(threads);
		try {
			List<Future<TimedAnswer>> answers = new ArrayList<>();
			int stalledListener;
			try (LoopStall stall = LoopStall.start(port, 3000)) {
				stalledListener = stall.listener();
				for (int i = 0; i < count; i++) {
					answers.add(clients.submit(() -> TimedAnswer.get(port)));
				}
				whileStalled.check(stalledListener, answers);
			}
			List<TimedAnswer> answered = new ArrayList<>();
			for (Future<TimedAnswer> answer : answers) {
				answered.add(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
			}
			return new StalledRun(stalledListener, answered);
		}
		finally {
			clients.shutdownNow();
		}
	}

	private static long percentile(Collection<Long> values, int percentile) {
		List<Long> sorted = values.stream().sorted().toList();
		return sorted.isEmpty() ? 0 : sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * percentile / 100.0) - 1));
	}

	@Test
	void anotherUserCannotJoinThePortWhileTheApplicationServes() {
		Prerequisites.requireRoot("Switching to another user");
		Prerequisites.requireTool("setpriv", "install the Debian package util-linux");
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2")) {
			int port = port(context);
			ReuseportBindAttempt.Result sameUser = ReuseportBindAttempt.run(List.of(), "127.0.0.1", port);
			assertThat(sameUser.exitValue()).as("same user: %s", sameUser.output()).isZero();
			ReuseportBindAttempt.Result otherUser = ReuseportBindAttempt
				.run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"), "127.0.0.1", port);
			assertThat(otherUser.exitValue()).as("user nobody: %s", otherUser.output())
				.isEqualTo(ReuseportBindAttempt.ADDRESS_IN_USE);
			assertThat(otherUser.output()).contains("Address already in use");
			assertThat(ListeningSockets.count(port)).isEqualTo(2);
			assertThat(servedListeners(port)).containsExactly(0, 1);
		}
	}

	/**
	 * Send requests on new connections until every listener has answered one, or give up
	 * after a bounded number.
	 */
	private static Set<Integer> servedListeners(int port) {
		Set<Integer> served = new TreeSet<>();
		for (int i = 0; i < 400 && served.size() < LISTENERS; i++) {
			ServedBy servedBy = ServedBy.parse(RawHttp.get(port, "/whoami").body());
			assertThat(servedBy.onOwnLoop()).isTrue();
			served.add(servedBy.listener());
		}
		return served;
	}

	/**
	 * Checks to run while a listener is stalled.
	 */
	@FunctionalInterface
	interface WhileStalled {

		void check(int stalledListener, List<Future<TimedAnswer>> answers) throws Exception;

	}

	/**
	 * The answers to requests sent while a listener was stalled.
	 *
	 * @param listener the stalled listener
	 * @param answers every answer
	 */
	record StalledRun(int listener, List<TimedAnswer> answers) {

		List<TimedAnswer> answersFrom(int listener) {
			return this.answers.stream().filter((answer) -> answer.servedBy().listener() == listener).toList();
		}

	}

	/**
	 * An answer to {@code /whoami} and how long it took, connection included.
	 */
	record TimedAnswer(ServedBy servedBy, long millis) {

		static TimedAnswer get(int port) {
			long start = System.nanoTime();
			ServedBy servedBy = ServedBy.parse(RawHttp.get(port, "/whoami").body());
			return new TimedAnswer(servedBy, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
		}

	}

	/**
	 * Kinds of malformed input, each generated from a seeded {@link Random} so that a
	 * failure can be reproduced.
	 */
	enum MalformedRequest {

		BAD_REQUEST_LINE {
			@Override
			String text(Random random) {
				String[] lines = { "GET\r\n", "GET / HTTP/9.9\r\n", " / HTTP/1.1\r\n", "GET / HTTP/1.1 x\r\n",
						"G\u0000T / HTTP/1.1\r\n", "GET /\u0007 HTTP/1.1\r\n" };
				return lines[random.nextInt(lines.length)] + "Host: 127.0.0.1\r\n\r\n";
			}
		},

		BAD_HEADER {
			@Override
			String text(Random random) {
				String[] headers = { "Host 127.0.0.1", "Content-Length: -1", "Content-Length: 1\r\nContent-Length: 2",
						"X Bad: y", "Transfer-Encoding: chunked\r\nContent-Length: 3" };
				return "POST /echo HTTP/1.1\r\n" + headers[random.nextInt(headers.length)] + "\r\n\r\nabc";
			}
		},

		HUGE_HEADER {
			@Override
			String text(Random random) {
				return "GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: "
						+ "h".repeat(16_384 + random.nextInt(16_384)) + "\r\n\r\n";
			}
		},

		HUGE_REQUEST_LINE {
			@Override
			String text(Random random) {
				return "GET /" + "u".repeat(8192 + random.nextInt(8192)) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
			}
		},

		TRUNCATED_BODY {
			@Override
			String text(Random random) {
				return "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
						+ "b".repeat(random.nextInt(999));
			}
		},

		BAD_CHUNKS {
			@Override
			String text(Random random) {
				String[] bodies = { "zz\r\nabc\r\n0\r\n\r\n", "5\r\nabc", "ffffffffffffffff\r\n", "3\r\nabcdef\r\n" };
				return "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
						+ bodies[random.nextInt(bodies.length)];
			}
		},

		TRUNCATED_HEADERS {
			@Override
			String text(Random random) {
				String request = "GET /whoami HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
				return request.substring(0, 1 + random.nextInt(request.length() - 2));
			}
		},

		BINARY_GARBAGE {
			@Override
			byte[] bytes(Random random) {
				byte[] bytes = new byte[1 + random.nextInt(2048)];
				random.nextBytes(bytes);
				return bytes;
			}
		};

		String text(Random random) {
			throw new UnsupportedOperationException();
		}

		byte[] bytes(Random random) {
			return text(random).getBytes(StandardCharsets.ISO_8859_1);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SmallBacklogConfiguration {

		static final int BACKLOG = 8;

		@Bean
		NettyServerCustomizer smallBacklog() {
			return (server) -> server.option(ChannelOption.SO_BACKLOG, BACKLOG);
		}

	}

}
