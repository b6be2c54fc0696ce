package dev.reuseport.bench.burst;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import dev.reuseport.bench.report.Stats;

/**
 * The burst-accept client: opens a fixed number of TCP connections as fast as it can,
 * sends one {@code GET / ... Connection: close} on each, reads the response to the end
 * and closes. It records each connection's connect time (from {@code connect()} until
 * the selector reports the connection established) and its response time (from
 * {@code connect()} until the server closed after the response), and the growth of
 * {@code TcpExt ListenOverflows} and {@code ListenDrops} over the burst.
 * <p>
 * A SYN dropped because an accept queue was full is retransmitted after a second, so
 * overflows show up as connect times of a second or more. The client is one thread with
 * one selector; it issues connects in small batches between selector polls so that a
 * connect time includes little client-side delay. At most {@code --max-open}
 * connections are open at once, to stay under the file descriptor limit, and the whole
 * burst is bounded by {@code --timeout-seconds}: unfinished connections are then closed
 * and counted as timed out.
 * <p>
 * Usage: {@code BurstClient --port 8080 [--host 127.0.0.1] [--connections 20000]
 * [--max-open 15000] [--batch 16] [--timeout-seconds 30]}. The result is printed as
 * {@code key=value} lines (milliseconds for times).
 */
public final class BurstClient {

	private final InetSocketAddress address;

	private final int connections;

	private final int maxOpen;

	private final int batch;

	private final long timeoutNanos;

	private final ByteBuffer request;

	private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);

	private final long[] connectNanos;

	private final long[] responseNanos;

	private final Map<String, Integer> errors = new TreeMap<>();

	private int open;

	private int connected;

	private int completed;

	private int failed;

	private int timedOut;

	BurstClient(InetSocketAddress address, int connections, int maxOpen, int batch, long timeoutNanos) {
		this.address = address;
		this.connections = connections;
		this.maxOpen = maxOpen;
		this.batch = batch;
		this.timeoutNanos = timeoutNanos;
		String request = "GET / HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n"
			.formatted(address.getHostString(), address.getPort());
		this.request = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
		this.connectNanos = new long[connections];
		this.responseNanos = new long[connections];
	}

	void run(PrintStream out) throws IOException {
		NetStat before = NetStat.read();
		long start = System.nanoTime();
		long deadline = start + this.timeoutNanos;
		int issued = 0;
		try (Selector selector = Selector.open()) {
			while (this.completed + this.failed < this.connections && System.nanoTime() < deadline) {
				int opened = 0;
				while (issued < this.connections && this.open < this.maxOpen && opened < this.batch) {
					open(selector);
					issued++;
					opened++;
				}
				boolean moreToOpen = issued < this.connections && this.open < this.maxOpen;
				if (moreToOpen) {
					selector.selectNow();
				}
				else {
					selector.select(10);
				}
				Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
				while (keys.hasNext()) {
					SelectionKey key = keys.next();
					keys.remove();
					handle(key);
				}
			}
			// Cancelled keys stay in keys() until the next select: count only open ones
			for (SelectionKey key : selector.keys()) {
				if (key.isValid()) {
					this.timedOut++;
					close(key);
				}
			}
		}
		long elapsed = System.nanoTime() - start;
		this.timedOut += this.connections - issued;
		NetStat after = NetStat.read();
		report(out, elapsed, after.since(before, NetStat.LISTEN_OVERFLOWS),
				after.since(before, NetStat.LISTEN_DROPS));
	}

	private void open(Selector selector) {
		SocketChannel channel = null;
		try {
			channel = SocketChannel.open();
			channel.configureBlocking(false);
			Connection connection = new Connection(System.nanoTime());
			boolean connectedNow = channel.connect(this.address);
			SelectionKey key = channel.register(selector,
					connectedNow ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, connection);
			this.open++;
			if (connectedNow) {
				try {
					connected(channel, connection);
				}
				catch (IOException ex) {
					close(key);
					fail(ex);
				}
			}
		}
		catch (IOException ex) {
			if (channel != null) {
				closeQuietly(channel);
			}
			fail(ex);
		}
	}

	private void handle(SelectionKey key) {
		SocketChannel channel = (SocketChannel) key.channel();
		Connection connection = (Connection) key.attachment();
		try {
			if (key.isConnectable()) {
				if (channel.finishConnect()) {
					key.interestOps(SelectionKey.OP_READ);
					connected(channel, connection);
				}
				return;
			}
			if (key.isReadable()) {
				read(key, channel, connection);
			}
		}
		catch (IOException ex) {
			close(key);
			fail(ex);
		}
	}

	private void connected(SocketChannel channel, Connection connection) throws IOException {
		this.connectNanos[this.connected++] = System.nanoTime() - connection.start;
		ByteBuffer request = this.request.duplicate();
		while (request.hasRemaining()) {
			if (channel.write(request) == 0) {
				throw new IOException("Request did not fit in the socket buffer");
			}
		}
	}

	private void read(SelectionKey key, SocketChannel channel, Connection connection) throws IOException {
		this.readBuffer.clear();
		int read = channel.read(this.readBuffer);
		if (read > 0) {
			this.readBuffer.flip();
			connection.status(this.readBuffer);
			return;
		}
		if (read < 0) {
			close(key);
			if (connection.ok()) {
				this.responseNanos[this.completed++] = System.nanoTime() - connection.start;
			}
			else {
				fail(new IOException("Response was not 'HTTP/1.1 200': " + connection.statusLine()));
			}
		}
	}

	private void close(SelectionKey key) {
		key.cancel();
		closeQuietly(key.channel());
		this.open--;
	}

	private void fail(Exception ex) {
		this.failed++;
		this.errors.merge(ex.getClass().getSimpleName() + ": " + ex.getMessage(), 1, Integer::sum);
	}

	private void report(PrintStream out, long elapsedNanos, long listenOverflows, long listenDrops) {
		long[] connect = Arrays.copyOf(this.connectNanos, this.connected);
		long[] response = Arrays.copyOf(this.responseNanos, this.completed);
		Arrays.sort(connect);
		Arrays.sort(response);
		out.println("connections=" + this.connections);
		out.println("connected=" + this.connected);
		out.println("completed=" + this.completed);
		out.println("failed=" + this.failed);
		out.println("timedOut=" + this.timedOut);
		out.println("elapsed.ms=" + millis(elapsedNanos));
		out.println("connect.p50.ms=" + millis(Stats.percentile(connect, 50)));
		out.println("connect.p99.ms=" + millis(Stats.percentile(connect, 99)));
		out.println("connect.max.ms=" + millis(Stats.percentile(connect, 100)));
		out.println("response.p50.ms=" + millis(Stats.percentile(response, 50)));
		out.println("response.p99.ms=" + millis(Stats.percentile(response, 99)));
		out.println("response.max.ms=" + millis(Stats.percentile(response, 100)));
		out.println("listenOverflows=" + listenOverflows);
		out.println("listenDrops=" + listenDrops);
		this.errors.forEach((error, count) -> out.println("error=" + count + " x " + error.replace('\n', ' ')));
	}

	private static String millis(long nanos) {
		return (nanos < 0) ? "NaN" : "%.3f".formatted(nanos / 1e6);
	}

	private static void closeQuietly(Channel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// Nothing to do
		}
	}

	public static void main(String[] args) throws IOException {
		String host = "127.0.0.1";
		int port = -1;
		int connections = 20_000;
		int maxOpen = 15_000;
		int batch = 16;
		int timeoutSeconds = 30;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--host" -> host = args[++i];
				case "--port" -> port = Integer.parseInt(args[++i]);
				case "--connections" -> connections = Integer.parseInt(args[++i]);
				case "--max-open" -> maxOpen = Integer.parseInt(args[++i]);
				case "--batch" -> batch = Integer.parseInt(args[++i]);
				case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(args[++i]);
				default -> throw new IllegalArgumentException("Unknown argument: " + args[i]);
			}
		}
		if (port <= 0) {
			throw new IllegalArgumentException("--port is required");
		}
		new BurstClient(new InetSocketAddress(host, port), connections, maxOpen, batch, timeoutSeconds * 1_000_000_000L)
			.run(System.out);
	}

	/**
	 * One connection of the burst: when it started and the status line of its response.
	 */
	private static final class Connection {

		private static final byte[] OK = "HTTP/1.1 200".getBytes(StandardCharsets.US_ASCII);

		private final long start;

		private final byte[] status = new byte[OK.length];

		private int statusLength;

		Connection(long start) {
			this.start = start;
		}

		void status(ByteBuffer data) {
			while (this.statusLength < this.status.length && data.hasRemaining()) {
				this.status[this.statusLength++] = data.get();
			}
		}

		boolean ok() {
			return Arrays.equals(this.status, OK) && this.statusLength == OK.length;
		}

		String statusLine() {
			return new String(this.status, 0, this.statusLength, StandardCharsets.US_ASCII);
		}

	}

}
