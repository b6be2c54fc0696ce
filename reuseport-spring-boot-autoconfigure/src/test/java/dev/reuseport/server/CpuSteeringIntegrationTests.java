package dev.reuseport.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.KeepAliveConnections;
import dev.reuseport.test.Prerequisites;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestServers;
import io.netty.channel.uring.IoUring;
import net.openhft.affinity.Affinity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.Shutdown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link CpuSteering} on loopback, where the CPU that processes a
 * connection's SYN is the CPU of the thread that connects: a client thread pinned to CPU
 * {@code k} must reach the listener of CPU {@code k}, every time.
 */
class CpuSteeringIntegrationTests {

	private static final int CONNECTIONS = 100;

	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(Pattern.compile("(?s).*"), ReuseportWebServer.class);

	private final List<ReuseportWebServer> servers = new ArrayList<>();

	private int[] cpus;

	@BeforeEach
	void allowedCpus() {
		this.cpus = CpuSteering.allowedCpus().stream().toArray();
		Prerequisites.require(CpuSteering.refusal(KernelSettings.read().release(), true) == null,
				"CPU steering needs Linux 6.2 or later");
		Prerequisites.require(this.cpus.length >= 2, "CPU steering needs two CPUs to be seen");
	}

	@AfterEach
	void stopServers() {
		this.servers.forEach(ReuseportWebServer::stop);
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void eachConnectionIsAcceptedByTheListenerOfTheCpuThatOpenedIt(ListenerTransport transport) throws Exception {
		Prerequisites.require(transport != ListenerTransport.IO_URING || IoUring.isAvailable(),
				"io_uring is unavailable");
		ReuseportWebServer server = start(transport, ListenerSteering.CPU, 0, false);
		assertThat(server.getSteering()).isEqualTo(SteeringStatus.asRequested(ListenerSteering.CPU));
		assertThat(server.getListeners()).extracting((listener) -> listener.cpu().orElse(-1))
			.containsExactly(this.cpus[0], this.cpus[1]);
		for (int cpu : this.cpus) {
			Map<Integer, Integer> byCpu = acceptedByCpu(server, connectFrom(cpu, server.getPort()));
			assertThat(byCpu).as("listeners' CPUs of %d connections from CPU %d", CONNECTIONS, cpu)
				.containsExactly(Map.entry(cpu, CONNECTIONS));
		}
		assertThat(this.logs.messages(Level.INFO))
			.anySatisfy((message) -> assertThat(message).contains("SO_REUSEPORT " + transport.id() + " listeners")
				.endsWith("; steering by cpu"));
	}

	@Test
	void byHashTheConnectionsOfOneCpuSpread() throws Exception {
		ReuseportWebServer server = start(ListenerTransport.EPOLL, ListenerSteering.HASH, 0, false);
		assertThat(server.getListeners()).allSatisfy((listener) -> assertThat(listener.cpu()).isEmpty());
		List<ServedBy> served = connectFrom(this.cpus[0], server.getPort());
		assertThat(served.stream().map(ServedBy::listener).distinct()).hasSize(2);
	}

	@Test
	void aWithdrawnListenersCpuIsServedByAListenerThatIsLive() throws Exception {
		ReuseportWebServer server = start(ListenerTransport.EPOLL, ListenerSteering.CPU, 0, false);
		assertThat(server.group().withdraw(0)).isTrue();
		List<ServedBy> served = connectFrom(this.cpus[0], server.getPort());
		assertThat(served).extracting(ServedBy::listener).containsOnly(1).hasSize(CONNECTIONS);
		server.group().rejoin(0, () -> true);
		await().until(() -> !server.getListeners().get(0).isWithdrawn());
		assertThat(acceptedByCpu(server, connectFrom(this.cpus[0], server.getPort())))
			.containsExactly(Map.entry(this.cpus[0], CONNECTIONS));
	}

	@Test
	void twoProcessesOnThePortShareACpusConnections() throws Exception {
		ReuseportWebServer first = start(ListenerTransport.EPOLL, ListenerSteering.CPU, TestServers.freePort(), false);
		ReuseportWebServer second = start(ListenerTransport.EPOLL, ListenerSteering.CPU, first.getPort(), true);
		connectFrom(this.cpus[0], first.getPort());
		long toFirst = first.getListeners().get(0).acceptedConnections();
		long toSecond = second.getListeners().get(0).acceptedConnections();
		// Each group member of the CPU takes a share by hash; the other CPU's none
		assertThat(toFirst + toSecond).isEqualTo(CONNECTIONS);
		assertThat(toFirst).isPositive();
		assertThat(toSecond).isPositive();
		assertThat(first.getListeners().get(1).acceptedConnections()).isZero();
		assertThat(second.getListeners().get(1).acceptedConnections()).isZero();
	}

	@Test
	void aServerThatAdoptsTheSocketsSteersThemToItsOwnLoops(@TempDir Path directory) throws Exception {
		int port = TestServers.freePort();
		HandoverSettings handover = new HandoverSettings(directory.resolve("handover.sock"), Duration.ofSeconds(10));
		ReuseportWebServer old = startHandingOver(port, handover);
		ReuseportWebServer replacement = startHandingOver(port, handover);
		assertThat(replacement.getListeners())
			.allSatisfy((listener) -> assertThat(listener.socketOrigin().kind()).isEqualTo(SocketOrigin.Kind.ADOPTED));
		await().until(() -> old.getListeners().stream().noneMatch(ReuseportListener::isOpen));
		for (int cpu : this.cpus) {
			assertThat(acceptedByCpu(replacement, connectFrom(cpu, port))).containsExactly(Map.entry(cpu, CONNECTIONS));
		}
	}

	private ReuseportWebServer startHandingOver(int port, HandoverSettings handover) {
		HttpServer httpServer = TestServers.servedBy(port);
		ReuseportWebServer server = new ReuseportWebServer(httpServer, ListenerTransport.EPOLL, 2, false, null,
				Shutdown.GRACEFUL, ConnectionBalancing.DISABLED, StallReliefSettings.DISABLED, handover,
				ListenerSteering.CPU);
		this.servers.add(server);
		server.start();
		return server;
	}

	@Test
	void connectionsAreStillHandedOffToBalanceTheLoops() throws Exception {
		ReuseportWebServer server = start(ListenerTransport.EPOLL, ListenerSteering.CPU, 0, false);
		BitSet before = Affinity.getAffinity();
		// Twenty long-lived connections, all from CPU 0: all accepted on its listener,
		// and half served on the other loop
		Affinity.setAffinity(this.cpus[0]);
		try (KeepAliveConnections connections = KeepAliveConnections.open(server.getPort(), "/", 20)) {
			assertThat(server.getListeners().get(0).acceptedConnections()).isEqualTo(20);
			assertThat(server.getListeners().get(0).handedOffConnections()).isPositive();
			assertThat(server.getListeners().get(1).servedConnections()).isPositive();
		}
		finally {
			Affinity.setAffinity(before);
		}
	}

	private ReuseportWebServer start(ListenerTransport transport, ListenerSteering steering, int port,
			boolean joinExisting) {
		ReuseportWebServer server = TestServers.startServedBy(2, transport, ConnectionBalancing.DEFAULT,
				StallReliefSettings.DISABLED, steering, port, joinExisting);
		this.servers.add(server);
		return server;
	}

	/**
	 * Open {@link #CONNECTIONS} connections one after the other from a thread pinned to a
	 * CPU, each with one request.
	 */
	private static List<ServedBy> connectFrom(int cpu, int port) throws Exception {
		CompletableFuture<List<ServedBy>> served = new CompletableFuture<>();
		Thread client = new Thread(() -> {
			try {
				Affinity.setAffinity(cpu);
				List<ServedBy> all = new ArrayList<>();
				for (int i = 0; i < CONNECTIONS; i++) {
					all.add(ServedBy.parse(RawHttp.get(port, "/").body()));
				}
				served.complete(all);
			}
			catch (Throwable ex) {
				served.completeExceptionally(ex);
			}
		}, "client-on-cpu-" + cpu);
		client.start();
		return served.get(60, TimeUnit.SECONDS);
	}

	private static Map<Integer, Integer> acceptedByCpu(ReuseportWebServer server, List<ServedBy> served) {
		Function<ServedBy, Integer> cpuOf = (
				servedBy) -> server.getListeners().get(servedBy.listener()).cpu().orElse(-1);
		Map<Integer, Integer> byCpu = new TreeMap<>();
		served.forEach((servedBy) -> byCpu.merge(cpuOf.apply(servedBy), 1, Integer::sum));
		return byCpu;
	}

}
