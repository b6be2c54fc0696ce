package dev.reuseport.bench.webflux;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the proxied calls whose downstream response was handled on the thread that
 * received the inbound request, and those handled on another thread. The proxy scenario
 * reads the counts before and after each step and reports the share that stayed.
 */
class ProxyLoops {

	private final LongAdder same = new LongAdder();

	private final LongAdder other = new LongAdder();

	/**
	 * Record one proxied call.
	 * @param inbound the thread that received the inbound request
	 * @param response the thread that handled the downstream response
	 */
	void record(Thread inbound, Thread response) {
		((inbound == response) ? this.same : this.other).increment();
	}

	/**
	 * Return the counts as the proxy scenario reads them: {@code same=N other=M}.
	 * @return the counts on one line
	 */
	String counts() {
		return "same=" + this.same.sum() + " other=" + this.other.sum();
	}

}
