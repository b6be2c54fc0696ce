package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Blocks one listener's event loop for a bounded time through the test application's
 * {@code /block} route, so that the listener stops accepting while the others go on.
 * Closing the stall reads the blocked response, which returns once the loop is free.
 */
public final class LoopStall implements AutoCloseable {

	/**
	 * The warning that the server logs when it finds a loop stalled, as
	 * {@link CapturedLogs#text(ch.qos.logback.classic.spi.ILoggingEvent)} renders it:
	 * which loop, for how long, what stall relief does, and the frames of the blocking
	 * code.
	 */
	public static final Pattern REPORT = Pattern.compile("WARN \\S+ : Event loop thread \\S+ of listener \\d+ "
			+ "has been blocked for \\d+ ms; [^\\n]*The code that blocks it:(\\n\\tat [^\\n]*)*\\n");

	private final Socket socket;

	private final int listener;

	private LoopStall(Socket socket, int listener) {
		this.socket = socket;
		this.listener = listener;
	}

	/**
	 * Block the loop of whichever listener accepts the next connection.
	 * @param port the server port
	 * @param millis how long to block, at most 10 seconds
	 * @return the stall, once the loop is blocked
	 */
	public static LoopStall start(int port, long millis) {
		TestApplication.BLOCKING_REQUESTS.clear();
		try {
			Socket socket = RawHttp.connect(port);
			RawHttp.send(socket, "/block?millis=" + millis, true);
			ServedBy blocked = TestApplication.BLOCKING_REQUESTS.poll(10, TimeUnit.SECONDS);
			if (blocked == null) {
				socket.close();
				throw new IllegalStateException("The /block request did not arrive");
			}
			return new LoopStall(socket, blocked.listener());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Block a chosen loop through the {@code /block} route, on a keep-alive connection
	 * served there, and return that connection once the loop is blocked; the blocked
	 * response is read from it with {@link RawHttp#read}.
	 * @param port the server port
	 * @param loop the index of the listener whose loop to block
	 * @param millis how long to block, at most 10 seconds
	 * @return the connection; the caller closes it
	 * @throws IOException when a connection fails
	 */
	public static Socket blockLoop(int port, int loop, long millis) throws IOException {
		Socket socket = LoopConnections.openOnLoop(port, loop);
		TestApplication.BLOCKING_REQUESTS.clear();
		RawHttp.send(socket, "/block?millis=" + millis, false);
		try {
			if (TestApplication.BLOCKING_REQUESTS.poll(10, TimeUnit.SECONDS) == null) {
				socket.close();
				throw new IllegalStateException("The /block request did not arrive");
			}
		}
		catch (InterruptedException ex) {
			socket.close();
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		return socket;
	}

	/**
	 * Return the index of the stalled listener.
	 * @return the listener index
	 */
	public int listener() {
		return this.listener;
	}

	/**
	 * Return whether the stall still holds the loop: its response has not begun to
	 * arrive.
	 * @return whether the loop is still stalled
	 */
	public boolean isOn() {
		try {
			return this.socket.getInputStream().available() == 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Wait for the stall to end and its response to arrive.
	 */
	@Override
	public void close() {
		try (this.socket) {
			this.socket.getInputStream().readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
