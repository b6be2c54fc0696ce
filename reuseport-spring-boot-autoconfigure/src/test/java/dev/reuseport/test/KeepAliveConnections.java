package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Keep-alive HTTP/1.1 connections opened back to back, without waiting for the server,
 * each of which has carried one request and stays open until closed.
 */
public final class KeepAliveConnections implements AutoCloseable {

	private final List<Socket> sockets;

	private final List<ServedBy> servedBy;

	private KeepAliveConnections(List<Socket> sockets, List<ServedBy> servedBy) {
		this.sockets = sockets;
		this.servedBy = servedBy;
	}

	/**
	 * Open {@code count} connections at once, then send one request on each and read its
	 * answer.
	 * @param port the port on 127.0.0.1
	 * @param path the path of the request, which answers as {@link ServedBy}
	 * @param count the number of connections
	 * @return the open connections; the caller closes them
	 */
	public static KeepAliveConnections open(int port, String path, int count) {
		List<Socket> sockets = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				sockets.add(RawHttp.connect(port));
			}
			for (Socket socket : sockets) {
				RawHttp.send(socket, path, false);
			}
			List<ServedBy> servedBy = new ArrayList<>();
			for (Socket socket : sockets) {
				servedBy.add(ServedBy.parse(RawHttp.read(socket).body()));
			}
			return new KeepAliveConnections(sockets, servedBy);
		}
		catch (IOException | RuntimeException ex) {
			new KeepAliveConnections(sockets, List.of()).close();
			throw (ex instanceof IOException ioException) ? new UncheckedIOException(ioException)
					: (RuntimeException) ex;
		}
	}

	/**
	 * Return what the server answered on each connection, in opening order.
	 * @return the answers
	 */
	public List<ServedBy> servedBy() {
		return this.servedBy;
	}

	@Override
	public void close() {
		for (Socket socket : this.sockets) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// Closing a loopback socket that the server may have closed first
			}
		}
	}

}
