package dev.reuseport.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * One thread's share of the burst: opens its connections in small batches between
 * selector polls, as fast as it can with at most {@code maxOpen} open at once, until all
 * are done or the deadline passes.
 */
final class BurstWorker implements Runnable, Exchanges.Outcome {

	private final InetSocketAddress address;

	private final int connections;

	private final int maxOpen;

	private final int batch;

	private final long deadline;

	final long[] connectNanos;

	final long[] responseNanos;

	final Map<String, Integer> errors = new TreeMap<>();

	int connected;

	int completed;

	int failed;

	int timedOut;

	BurstWorker(InetSocketAddress address, int connections, int maxOpen, int batch, long deadline) {
		this.address = address;
		this.connections = connections;
		this.maxOpen = maxOpen;
		this.batch = batch;
		this.deadline = deadline;
		this.connectNanos = new long[connections];
		this.responseNanos = new long[connections];
	}

	@Override
	public void run() {
		int issued = 0;
		try (Exchanges exchanges = new Exchanges(this.address, this)) {
			while (this.completed + this.failed < this.connections && System.nanoTime() < this.deadline) {
				int opened = 0;
				while (issued < this.connections && exchanges.open() < this.maxOpen && opened < this.batch) {
					exchanges.open(issued++);
					opened++;
				}
				boolean moreToOpen = issued < this.connections && exchanges.open() < this.maxOpen;
				exchanges.poll(moreToOpen ? 0 : 10);
			}
			this.timedOut = exchanges.closeAll() + this.connections - issued;
		}
		catch (IOException ex) {
			failed(-1, 0, ex);
		}
	}

	@Override
	public void connected(int id, long nanos) {
		this.connectNanos[this.connected++] = nanos;
	}

	@Override
	public void completed(int id, long nanos) {
		this.responseNanos[this.completed++] = nanos;
	}

	@Override
	public void failed(int id, long nanos, IOException ex) {
		this.failed++;
		this.errors.merge(ex.getClass().getSimpleName() + ": " + ex.getMessage(), 1, Integer::sum);
	}

}
