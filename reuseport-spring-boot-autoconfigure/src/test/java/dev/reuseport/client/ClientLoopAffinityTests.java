package dev.reuseport.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import dev.reuseport.test.Downstream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link ClientLoopAffinity} without a reuseport server: every call is made off
 * the listener loops and must behave as with the wrapped resources alone.
 */
class ClientLoopAffinityTests {

	private final ClientLoopAffinity affinity = new ClientLoopAffinity(() -> null);

	@Test
	void wrapsEachFallbackOnce() {
		ConnectionProvider provider = ConnectionProvider.create("test", 1);
		LoopResources loops = LoopResources.create("test", 1, true);
		try {
			ConnectionProvider wrapped = this.affinity.connectionProvider(provider);
			assertThat(wrapped).isNotSameAs(provider).isSameAs(this.affinity.connectionProvider(provider));
			assertThat(this.affinity.connectionProvider(wrapped)).isSameAs(wrapped);
			assertThat(wrapped.name()).isEqualTo("test");
			assertThat(wrapped.maxConnections()).isEqualTo(1);
			LoopResources wrappedLoops = this.affinity.loopResources(loops);
			assertThat(wrappedLoops).isNotSameAs(loops).isSameAs(this.affinity.loopResources(loops));
			assertThat(this.affinity.loopResources(wrappedLoops)).isSameAs(wrappedLoops);
		}
		finally {
			provider.disposeLater().block(Duration.ofSeconds(10));
			loops.disposeLater().block(Duration.ofSeconds(10));
		}
	}

	@Test
	void callOffTheListenerLoopsRunsOnTheFallbackLoopsAndIsCounted() {
		ConnectionProvider provider = ConnectionProvider.create("test", 1);
		LoopResources loops = LoopResources.create("fallback", 1, true);
		try (Downstream downstream = Downstream.start()) {
			HttpClient client = HttpClient.create(this.affinity.connectionProvider(provider))
				.runOn(this.affinity.loopResources(loops));
			String answer = client.get()
				.uri(downstream.url() + "/ok")
				.responseSingle((response, body) -> body.asString()
					.map((text) -> text + " on " + Thread.currentThread().getName()))
				.block(Duration.ofSeconds(10));
			assertThat(answer).startsWith("ok on fallback-");
			assertThat(this.affinity.getCounts().offListener()).isOne();
			assertThat(this.affinity.getCounts().sameLoop(0)).isZero();
			assertThat(this.affinity.getCounts().otherLoop(0)).isZero();
		}
		finally {
			this.affinity.close();
			Mono.when(provider.disposeLater(), loops.disposeLater()).block(Duration.ofSeconds(10));
		}
	}

	@Test
	void callOffTheListenerLoopsIsCountedOnlyOnceItHasAConnection() throws IOException {
		ConnectionProvider provider = ConnectionProvider.create("test", 1);
		LoopResources loops = LoopResources.create("fallback", 1, true);
		try {
			HttpClient client = HttpClient.create(this.affinity.connectionProvider(provider))
				.runOn(this.affinity.loopResources(loops));
			// Counted at the same point as a call on a listener loop, where a failed
			// acquire counts in neither
			assertThatException()
				.isThrownBy(() -> client.get()
					.uri("http://127.0.0.1:" + closedPort() + "/ok")
					.response()
					.block(Duration.ofSeconds(10)))
				.withRootCauseInstanceOf(ConnectException.class);
			assertThat(this.affinity.getCounts().offListener()).isZero();
		}
		finally {
			this.affinity.close();
			Mono.when(provider.disposeLater(), loops.disposeLater()).block(Duration.ofSeconds(10));
		}
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
