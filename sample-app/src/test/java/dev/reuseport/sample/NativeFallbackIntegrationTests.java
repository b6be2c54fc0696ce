package dev.reuseport.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.reuseport.sample.SampleAppSupport.SampleProcess;
import dev.reuseport.sample.SampleAppSupport.WhoAmI;
import dev.reuseport.test.ListeningSockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for the sample application when what a setting needs is missing:
 * Netty's native epoll transport, which {@code -Dio.netty.transport.noNative=true} hides,
 * or the library that pins the loops for CPU steering, which the sample does not depend
 * on.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class NativeFallbackIntegrationTests {

	private static final List<String> NO_NATIVE = List.of("-Dio.netty.transport.noNative=true");

	private static final Duration TIMEOUT = Duration.ofSeconds(90);

	@Test
	void fallsBackToOneListeningSocketWithAWarning() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess process = SampleProcess.start("native-fallback", NO_NATIVE, arguments(port))) {
			process.awaitStarted(TIMEOUT);
			assertThat(process.outputLines()).filteredOn((line) -> line.contains("Native epoll is unavailable"))
				.singleElement()
				.asString()
				.contains(" WARN ");
			assertThat(ListeningSockets.count(port)).isOne();
			WhoAmI whoAmI = SampleAppSupport.whoAmI(port);
			assertThat(whoAmI.pid()).isEqualTo(process.pid());
			assertThat(whoAmI.listener()).isEqualTo(-1);
		}
	}

	@Test
	void failsToStartWhenReuseportIsRequired() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess process = SampleProcess.start("native-required", NO_NATIVE,
				arguments(port, "--reuseport.required=true"))) {
			assertThat(process.awaitExit(TIMEOUT)).as("exit value").isNotZero();
			assertThat(process.output()).contains("APPLICATION FAILED TO START")
				.contains("reuseport.required=false")
				.doesNotContain(SampleAppSupport.STARTED);
			assertThat(ListeningSockets.count(port)).isZero();
		}
	}

	@Test
	void cpuSteeringWithoutThePinningLibraryFallsBackToHashWithAWarning() {
		int port = SampleAppSupport.freePort();
		try (SampleProcess process = SampleProcess.start("steering-fallback", List.of(),
				arguments(port, "--reuseport.steering=cpu"))) {
			process.awaitStarted(TIMEOUT);
			assertThat(process.outputLines()).filteredOn((line) -> line.contains("reuseport.steering=cpu"))
				.singleElement()
				.asString()
				.contains(" WARN ")
				.endsWith("reuseport.steering=cpu is not in force: net.openhft:affinity, which pins the listener loops "
						+ "to their CPUs, is not on the classpath; add it as a dependency. The kernel steers "
						+ "connections by hash");
			assertThat(process.output()).contains("; steering by hash (cpu steering refused: net.openhft:affinity");
			// Served all the same, by the listeners it has
			assertThat(SampleAppSupport.whoAmI(port).listener()).isBetween(0, 1);
		}
	}

	private static String[] arguments(int port, String... more) {
		List<String> arguments = new ArrayList<>(List.of("--server.port=" + port,
				"--server.address=" + SampleAppSupport.HOST, "--management.server.port=0",
				"--management.server.address=" + SampleAppSupport.HOST, "--reuseport.listeners=2"));
		arguments.addAll(List.of(more));
		return arguments.toArray(String[]::new);
	}

}
