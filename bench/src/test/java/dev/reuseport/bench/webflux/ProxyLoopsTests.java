package dev.reuseport.bench.webflux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ProxyLoops}.
 */
class ProxyLoopsTests {

	@Test
	void countsCallsAnsweredOnTheInboundThreadApartFromTheOthers() throws InterruptedException {
		ProxyLoops loops = new ProxyLoops();
		Thread inbound = Thread.currentThread();
		loops.record(inbound, inbound);
		loops.record(inbound, inbound);
		Thread other = new Thread(() -> loops.record(inbound, Thread.currentThread()));
		other.start();
		other.join();
		assertThat(loops.counts()).isEqualTo("same=2 other=1");
	}

	@Test
	void startsAtZero() {
		assertThat(new ProxyLoops().counts()).isEqualTo("same=0 other=0");
	}

}
