package dev.reuseport.bench.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A blocking HTTP/1.1 keep-alive connection for the few control requests of a scenario
 * ({@code /thread}, {@code /block}, {@code /listeners}): every request on it is served by
 * the same server event loop. It reads responses framed by {@code Content-Length}, which
 * is how the bench app answers them.
 */
final class HttpConnection implements Closeable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private final String host;

	HttpConnection(InetSocketAddress address, int timeoutMillis) throws IOException {
		this.socket = new Socket();
		this.socket.connect(address, timeoutMillis);
		this.socket.setSoTimeout(timeoutMillis);
		this.socket.setTcpNoDelay(true);
		this.in = new BufferedInputStream(this.socket.getInputStream());
		this.out = this.socket.getOutputStream();
		this.host = address.getHostString() + ":" + address.getPort();
	}

	/**
	 * Send a request and read its response body.
	 * @param path the path and query
	 * @return the body
	 * @throws IOException when the exchange fails or the status is not 200
	 */
	String get(String path) throws IOException {
		send(path);
		return readResponse();
	}

	/**
	 * Send a request without waiting for its response.
	 * @param path the path and query
	 * @throws IOException when the request cannot be written
	 */
	void send(String path) throws IOException {
		String request = "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n".formatted(path, this.host);
		this.out.write(request.getBytes(StandardCharsets.US_ASCII));
		this.out.flush();
	}

	/**
	 * Read the next response.
	 * @return its body
	 * @throws IOException when the response is malformed or its status is not 200
	 */
	String readResponse() throws IOException {
		String status = line();
		if (!status.startsWith("HTTP/1.1 200")) {
			throw new IOException("Unexpected response: " + status);
		}
		int length = -1;
		for (String header = line(); !header.isEmpty(); header = line()) {
			int colon = header.indexOf(':');
			if (colon > 0 && header.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
				length = Integer.parseInt(header.substring(colon + 1).trim());
			}
		}
		if (length < 0) {
			throw new IOException("Response without Content-Length");
		}
		return new String(this.in.readNBytes(length), StandardCharsets.UTF_8);
	}

	private String line() throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = this.in.read(); b != '\n'; b = this.in.read()) {
			if (b < 0) {
				throw new IOException("Connection closed by the server");
			}
			if (b != '\r') {
				line.write(b);
			}
		}
		return line.toString(StandardCharsets.US_ASCII);
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
