package dev.reuseport.bench.client;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;

/**
 * One-shot HTTP/1.1 exchanges on new connections, driven by one selector on the calling
 * thread: each connection sends {@code GET / ... Connection: close}, reads the response
 * to the end and is closed. It tells an {@link Outcome} when each connection is
 * established and when it completes or fails, with the nanoseconds since
 * {@link #open(int)} was called for it, so that a connect time includes little
 * client-side delay as long as the caller polls often.
 */
final class Exchanges implements Closeable {

	private final InetSocketAddress address;

	private final Outcome outcome;

	private final Selector selector;

	private final ByteBuffer request;

	private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);

	private int open;

	Exchanges(InetSocketAddress address, Outcome outcome) throws IOException {
		this.address = address;
		this.outcome = outcome;
		this.selector = Selector.open();
		String request = "GET / HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n".formatted(address.getHostString(),
				address.getPort());
		this.request = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
	}

	/**
	 * Start an exchange on a new connection.
	 * @param id the caller's id for this exchange
	 */
	void open(int id) {
		Exchange exchange = new Exchange(id, System.nanoTime());
		SocketChannel channel = null;
		try {
			channel = SocketChannel.open();
			channel.configureBlocking(false);
			boolean connectedNow = channel.connect(this.address);
			SelectionKey key = channel.register(this.selector,
					connectedNow ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, exchange);
			this.open++;
			if (connectedNow) {
				connected(key, channel, exchange);
			}
		}
		catch (IOException ex) {
			if (channel != null) {
				closeQuietly(channel);
			}
			this.outcome.failed(id, System.nanoTime() - exchange.start, ex);
		}
	}

	/**
	 * Return the exchanges under way.
	 * @return the number of open connections
	 */
	int open() {
		return this.open;
	}

	/**
	 * Handle what the selector reports.
	 * @param timeoutMillis how long to wait for something to happen; 0 does not wait
	 * @throws IOException when the selector fails
	 */
	void poll(long timeoutMillis) throws IOException {
		if (timeoutMillis <= 0) {
			this.selector.selectNow();
		}
		else {
			this.selector.select(timeoutMillis);
		}
		Iterator<SelectionKey> keys = this.selector.selectedKeys().iterator();
		while (keys.hasNext()) {
			SelectionKey key = keys.next();
			keys.remove();
			handle(key);
		}
	}

	private void handle(SelectionKey key) {
		SocketChannel channel = (SocketChannel) key.channel();
		Exchange exchange = (Exchange) key.attachment();
		try {
			if (key.isConnectable()) {
				if (channel.finishConnect()) {
					key.interestOps(SelectionKey.OP_READ);
					connected(key, channel, exchange);
				}
				return;
			}
			if (key.isReadable()) {
				read(key, channel, exchange);
			}
		}
		catch (IOException ex) {
			close(key);
			this.outcome.failed(exchange.id, System.nanoTime() - exchange.start, ex);
		}
	}

	private void connected(SelectionKey key, SocketChannel channel, Exchange exchange) throws IOException {
		this.outcome.connected(exchange.id, System.nanoTime() - exchange.start);
		ByteBuffer request = this.request.duplicate();
		while (request.hasRemaining()) {
			if (channel.write(request) == 0) {
				throw new IOException("Request did not fit in the socket buffer");
			}
		}
	}

	private void read(SelectionKey key, SocketChannel channel, Exchange exchange) throws IOException {
		this.readBuffer.clear();
		int read = channel.read(this.readBuffer);
		if (read > 0) {
			this.readBuffer.flip();
			exchange.status(this.readBuffer);
		}
		else if (read < 0) {
			close(key);
			if (!exchange.ok()) {
				throw new IOException("Response was not 'HTTP/1.1 200': " + exchange.statusLine());
			}
			this.outcome.completed(exchange.id, System.nanoTime() - exchange.start);
		}
	}

	private void close(SelectionKey key) {
		if (key.isValid()) {
			key.cancel();
			closeQuietly(key.channel());
			this.open--;
		}
	}

	/**
	 * Close the exchanges still under way.
	 * @return how many there were
	 */
	int closeAll() {
		int unfinished = 0;
		// Cancelled keys stay in keys() until the next select: count only valid ones
		for (SelectionKey key : this.selector.keys()) {
			if (key.isValid()) {
				unfinished++;
				close(key);
			}
		}
		return unfinished;
	}

	@Override
	public void close() throws IOException {
		closeAll();
		this.selector.close();
	}

	private static void closeQuietly(Channel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// Nothing to do
		}
	}

	/**
	 * What happens to each exchange; times are nanoseconds since it was opened.
	 */
	interface Outcome {

		void connected(int id, long nanos);

		void completed(int id, long nanos);

		void failed(int id, long nanos, IOException ex);

	}

	/**
	 * One exchange: its id, when it started and the status line of its response.
	 */
	private static final class Exchange {

		private static final byte[] OK = "HTTP/1.1 200".getBytes(StandardCharsets.US_ASCII);

		private final int id;

		private final long start;

		private final byte[] status = new byte[OK.length];

		private int statusLength;

		Exchange(int id, long start) {
			this.id = id;
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
