package dev.reuseport.server;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.LoopStall;
import dev.reuseport.test.OwnNetworkNamespace;
import dev.reuseport.test.PacedConnections;
import dev.reuseport.test.PacedConnections.Outcome;
import dev.reuseport.test.Prerequisites;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.Transports;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The watchdog's decisions on real servers, in a network namespace of the test's own with
 * {@code net.ipv4.tcp_migrate_req=1} unless a test sets it to 0: what it withdraws, what
 * it never withdraws, and what it logs.
 */
@Tag(OwnNetworkNamespace.TAG)
@ExtendWith(OutputCaptureExtension.class)
class StallWatchdogIntegrationTests {

	private static final Duration BLOCK = Duration.ofSeconds(5);

	/**
	 * The stall reports that the tests provoke, captured rather than printed.
	 */
	@RegisterExtension
	final CapturedLogs stallReports = CapturedLogs.eachTest(LoopStall.REPORT, BlockedLoopLog.class);

	@BeforeAll
	static void ownNetworkNamespace() {
		OwnNetworkNamespace.require();
	}

	@Test
	void connectionsQueuedBeforeDetectionAreServedByOtherLoops() throws Exception {
		// A threshold of 1 s leaves time to queue connections on the stalled listener
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=4", "reuseport.stall-relief.threshold=1s")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			ReuseportListener stalled = server.getListeners().get(2);
			// Blocked long enough to be withdrawn one threshold late, should the watchdog
			// doubt its readings once on a busy machine
			try (Socket blocking = LoopStall.blockLoop(port, 2, BLOCK.toMillis())) {
				long blockedAt = System.nanoTime();
				List<Socket> queued = new ArrayList<>();
				try {
					// The handshake completes in the kernel, so each connect returns
					// even when its listener's loop is blocked
					while (queued.size() < 200 && stalled.acceptQueue().orElseThrow().length() < 8) {
						Socket socket = RawHttp.connect(port);
						RawHttp.send(socket, "/whoami", true);
						queued.add(socket);
					}
					int waiting = stalled.acceptQueue().orElseThrow().length();
					assertThat(waiting).isGreaterThanOrEqualTo(8);
					assertThat(stalled.isWithdrawn()).isFalse();
					for (Socket socket : queued) {
						RawHttp.Response response = RawHttp.Response.parse(socket.getInputStream().readAllBytes());
						assertThat(response.status()).isEqualTo(200);
						assertThat(response.body()).doesNotContain("listener=2 ")
							.doesNotContain("reuseport-listener-2");
					}
					// All were served while loop 2 was still blocked
					assertThat(Duration.ofNanos(System.nanoTime() - blockedAt)).isLessThan(BLOCK);
					assertThat(stalled.isWithdrawn()).isTrue();
					System.out.printf("%d connections queued on the stalled listener moved to the others%n", waiting);
				}
				finally {
					for (Socket socket : queued) {
						socket.close();
					}
				}
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
		}
	}

	@Test
	void saturatingLoadWithdrawsNothing() throws Exception {
		Path wrk = Prerequisites.requireTool("wrk", "install it with 'apt-get install wrk'");
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=4")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			String url = "http://127.0.0.1:" + server.getPort() + "/whoami";
			// Keep-alive and churn (a new connection per request) at once, for 30 s
			Process keepAlive = new ProcessBuilder(wrk.toString(), "-t1", "-c64", "-d30s", url)
				.redirectErrorStream(true)
				.start();
			Process churn = new ProcessBuilder(wrk.toString(), "-t1", "-c32", "-d30s", "-H", "Connection: close", url)
				.redirectErrorStream(true)
				.start();
			StallWatchdog watchdog = server.stallWatchdog();
			String keepAliveOutput = output(keepAlive);
			String churnOutput = output(churn);
			System.out.println("wrk keep-alive:\n" + keepAliveOutput + "wrk churn:\n" + churnOutput);
			assertThat(keepAliveOutput).contains("Requests/sec");
			assertThat(churnOutput).contains("Requests/sec");
			for (ReuseportListener listener : server.getListeners()) {
				Duration lag = listener.stalls().heartbeat().maxLag();
				System.out.printf("listener %d: largest heartbeat lag under load %d ms, %d requests, last stall %s%n",
						listener.index(), lag.toMillis(), listener.requestsReceived(),
						listener.lastStall().map((stall) -> stall.duration().toMillis() + " ms").orElse("none"));
			}
			System.out.printf("watchdog: %d checks, %d skipped as it woke late; late loops found starved of a CPU "
					+ "%d times%n", watchdog.checks(), watchdog.skippedChecks(), watchdog.starvedChecks());
			// The watchdog did watch the loops under load: no stall is not no check
			assertThat(watchdog.checks()).isPositive();
			assertThat(server.getListeners()).allSatisfy((listener) -> {
				assertThat(listener.requestsReceived()).isGreaterThan(1000);
				assertThat(listener.stallWithdrawals()).isZero();
				assertThat(listener.loopStalls()).isZero();
				assertThat(listener.lastStall()).isEmpty();
			});
			// And it still sees a real stall on the same server
			ReuseportListener stalled = server.getListeners().get(0);
			try (Socket blocking = LoopStall.blockLoop(server.getPort(), 0, 1000)) {
				await().atMost(Duration.ofSeconds(5)).until(() -> stalled.lastStall().isPresent());
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
			assertThat(stalled.loopStalls()).isEqualTo(1);
		}
	}

	private static String output(Process process) throws IOException, InterruptedException {
		String output = new String(process.getInputStream().readAllBytes());
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return output;
	}

	@Test
	void allLoopsStalledAtOnceWithdrawNothing() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=4")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			CountDownLatch release = new CountDownLatch(1);
			CountDownLatch blocked = new CountDownLatch(4);
			// As a pause of the whole process would: every loop at once, for the
			// same time
			for (ReuseportListener listener : server.getListeners()) {
				EventLoop loop = listener.loop().eventLoop();
				loop.execute(() -> {
					blocked.countDown();
					awaitUninterruptibly(release);
				});
			}
			assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
			try {
				await().atMost(Duration.ofSeconds(5))
					.until(() -> server.getListeners().stream().allMatch((l) -> l.lastStall().isPresent()));
				assertThat(ListeningSockets.count(port)).isEqualTo(4);
			}
			finally {
				release.countDown();
			}
			assertThat(RawHttp.get(port, "/whoami").status()).isEqualTo(200);
			await().atMost(Duration.ofSeconds(5))
				.until(() -> server.getListeners().stream().noneMatch((l) -> l.lastStall().orElseThrow().ongoing()));
			assertThat(server.getListeners()).allSatisfy((listener) -> {
				assertThat(listener.stallWithdrawals()).isZero();
				assertThat(listener.isWithdrawn()).isFalse();
			});
			assertThat(ListeningSockets.count(port)).isEqualTo(4);
		}
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void lastListenerIsNeverWithdrawn() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=1")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			ReuseportListener only = server.getListeners().get(0);
			try (Socket blocking = LoopStall.blockLoop(port, 0, 1500)) {
				await().atMost(Duration.ofSeconds(5)).until(() -> only.lastStall().isPresent());
				assertThat(only.isWithdrawn()).isFalse();
				assertThat(ListeningSockets.count(port)).isEqualTo(1);
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
			assertThat(only.stallWithdrawals()).isZero();
			assertThat(RawHttp.get(port, "/whoami").status()).isEqualTo(200);
		}
	}

	@Test
	void withoutMigrationReliefIsInactiveAndResetsNothing(CapturedOutput output) throws Exception {
		OwnNetworkNamespace.set("net.ipv4.tcp_migrate_req=0");
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=4")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			assertThat(server.getStallReliefStatus().active()).isFalse();
			assertThat(server.getStallReliefStatus().reason()).contains("sysctl -w net.ipv4.tcp_migrate_req=1");
			assertThat(output).contains("stall relief inactive: net.ipv4.tcp_migrate_req is not 1");
			LoopBalancer balancer = server.group().balancer();
			List<Outcome> outcomes;
			try (Socket blocking = LoopStall.blockLoop(port, 1, 4000)) {
				// Not withdrawn, but handed nothing by the others once found stalled
				await().atMost(Duration.ofSeconds(3)).until(() -> !balancer.isHandedConnections(1));
				outcomes = PacedConnections.open(port, "/whoami", 100, Duration.ofMillis(15));
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
			await().atMost(Duration.ofSeconds(5)).until(() -> balancer.isHandedConnections(1));
			assertThat(outcomes).allSatisfy((outcome) -> {
				assertThat(outcome.failure()).isNull();
				assertThat(outcome.status()).isEqualTo(200);
			});
			ReuseportListener stalled = server.getListeners().get(1);
			assertThat(stalled.lastStall()).isPresent();
			// Detected and counted, though not withdrawn
			assertThat(stalled.loopStalls()).isEqualTo(1);
			assertThat(stalled.stallWithdrawals()).isZero();
			assertThat(ListeningSockets.count(port)).isEqualTo(4);
		}
		finally {
			OwnNetworkNamespace.set("net.ipv4.tcp_migrate_req=1");
		}
	}

	@Test
	void onIoUringReliefIsInactiveAndStallsAreStillReported() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				Transports.use(ListenerTransport.IO_URING), "reuseport.listeners=2")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			assertThat(server.getTransport()).isEqualTo(ListenerTransport.IO_URING);
			assertThat(server.getStallReliefStatus().active()).isFalse();
			assertThat(server.getStallReliefStatus().reason()).startsWith("io_uring:")
				.contains("reuseport.transport=epoll");
			ReuseportListener stalled = server.getListeners().get(0);
			try (Socket blocking = LoopStall.blockLoop(port, 0, 1000)) {
				await().atMost(Duration.ofSeconds(5)).until(() -> stalled.lastStall().isPresent());
				assertThat(stalled.isWithdrawn()).isFalse();
				assertThat(ListeningSockets.count(port)).isEqualTo(2);
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
			assertThat(stalled.loopStalls()).isEqualTo(1);
			assertThat(stalled.stallWithdrawals()).isZero();
		}
	}

	@Test
	void stallIsLoggedWithTheBlockingFrame() throws Exception {
		CapturedLogs output = this.stallReports;
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=2")) {
			ReuseportWebServer server = TestApplication.webServer(context);
			int port = server.getPort();
			try (Socket blocking = LoopStall.blockLoop(port, 1, 1000)) {
				await().atMost(Duration.ofSeconds(5)).until(() -> output.text().contains("of listener 1 has been"));
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
			String warning = output.text().substring(output.text().indexOf("Event loop thread"));
			assertThat(output.text()).containsPattern(
					"WARN .*BlockedLoopLog +: Event loop thread reuseport-listener-1 of listener 1 has been blocked for \\d+ ms");
			assertThat(warning).containsPattern("\tat \\S*java.lang.Thread.sleep")
				.containsPattern("\tat \\S*dev.reuseport.test.TestApplication.block\\(TestApplication.java:\\d+\\)");
			StallReport report = server.getListeners().get(1).lastStall().orElseThrow();
			assertThat(report.thread()).isEqualTo("reuseport-listener-1");
			assertThat(report.stackTrace()).anySatisfy((frame) -> assertThat(frame.getMethodName()).isEqualTo("block"));
		}
	}

}
