package dev.reuseport.test;

import java.io.IOException;
import java.net.Socket;
import java.util.function.Predicate;

import dev.reuseport.server.ReuseportListener;

/**
 * Opens keep-alive connections to the test application until one is served on a chosen
 * event loop: the kernel picks a connection's listener from its addresses, so a test that
 * needs a given loop tries new connections until one lands there.
 */
public final class LoopConnections {

	private static final int ATTEMPTS = 200;

	private LoopConnections() {
	}

	/**
	 * Open keep-alive connections, asking each with {@code /whoami} where it is served,
	 * until one is served as {@code wanted} asks; the others are closed.
	 * @param port the server port
	 * @param wanted whether a connection is served where it should be
	 * @return the first connection served as wanted; the caller closes it
	 * @throws IOException when a connection fails
	 * @throws IllegalStateException when none of 200 connections is served as wanted
	 */
	public static Socket open(int port, Predicate<ServedBy> wanted) throws IOException {
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			Socket socket = RawHttp.connect(port);
			try {
				RawHttp.send(socket, "/whoami", false);
				if (wanted.test(ServedBy.parse(RawHttp.read(socket).body()))) {
					return socket;
				}
			}
			catch (IOException | RuntimeException ex) {
				socket.close();
				throw ex;
			}
			socket.close();
		}
		throw new IllegalStateException("None of " + ATTEMPTS + " connections was served on the wanted loop");
	}

	/**
	 * Open a keep-alive connection served on the loop of a listener.
	 * @param port the server port
	 * @param listener the index of the listener whose loop should serve it
	 * @return the connection; the caller closes it
	 * @throws IOException when a connection fails
	 * @throws IllegalStateException when none of 200 connections is served there
	 */
	public static Socket openOnLoop(int port, int listener) throws IOException {
		String thread = ReuseportListener.THREAD_NAME_PREFIX + listener;
		return open(port, (servedBy) -> servedBy.thread().equals(thread));
	}

}
