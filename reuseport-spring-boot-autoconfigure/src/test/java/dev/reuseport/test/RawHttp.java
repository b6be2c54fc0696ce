package dev.reuseport.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client over a plain socket: one request per new TCP connection, so
 * every call is a fresh accept on the server.
 */
public final class RawHttp {

	private static final int TIMEOUT_MILLIS = 10_000;

	private RawHttp() {
	}

	/**
	 * Send {@code GET path} with {@code Connection: close} on a new connection and read
	 * the response to the end of the stream.
	 * @param port the port on 127.0.0.1
	 * @param path the request path
	 * @param extraHeaders extra header lines, such as {@code Accept-Encoding: gzip}
	 * @return the response
	 */
	public static Response get(int port, String path, String... extraHeaders) {
		try (Socket socket = connect(port)) {
			send(socket, path, true, extraHeaders);
			return Response.parse(socket.getInputStream().readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Open a connection to 127.0.0.1.
	 * @param port the port
	 * @return the connected socket
	 * @throws IOException when the connection is refused
	 */
	public static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.setSoTimeout(TIMEOUT_MILLIS);
		socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
		return socket;
	}

	/**
	 * Write a GET request on an open connection.
	 * @param socket the connection
	 * @param path the request path
	 * @param close whether to ask the server to close the connection after responding
	 * @param extraHeaders extra header lines
	 * @throws IOException on a write failure
	 */
	public static void send(Socket socket, String path, boolean close, String... extraHeaders) throws IOException {
		StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
		if (close) {
			request.append("Connection: close\r\n");
		}
		Arrays.stream(extraHeaders).forEach((header) -> request.append(header).append("\r\n"));
		OutputStream out = socket.getOutputStream();
		out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
	}

	/**
	 * Read one response with a {@code Content-Length} from a kept-alive connection.
	 * @param socket the connection
	 * @return the response
	 * @throws IOException on a read failure
	 */
	public static Response read(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!endsWithBlankLine(head.toByteArray())) {
			int next = in.read();
			if (next < 0) {
				throw new IOException("Connection closed before the end of the response headers");
			}
			head.write(next);
		}
		Response headers = Response.parse(head.toByteArray());
		int length = Integer.parseInt(headers.header("content-length"));
		return new Response(headers.status(), headers.headers(), new String(in.readNBytes(length),
				StandardCharsets.ISO_8859_1));
	}

	private static boolean endsWithBlankLine(byte[] bytes) {
		int n = bytes.length;
		return n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n';
	}

	/**
	 * An HTTP response.
	 *
	 * @param status the status code
	 * @param headers the headers, with lower-case names
	 * @param body the body, decoded as ISO-8859-1
	 */
	public record Response(int status, Map<String, String> headers, String body) {

		static Response parse(byte[] bytes) {
			String text = new String(bytes, StandardCharsets.ISO_8859_1);
			int endOfHead = text.indexOf("\r\n\r\n");
			String[] lines = text.substring(0, (endOfHead >= 0) ? endOfHead : text.length()).split("\r\n");
			Map<String, String> headers = new LinkedHashMap<>();
			for (int i = 1; i < lines.length; i++) {
				int colon = lines[i].indexOf(':');
				headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
						lines[i].substring(colon + 1).trim());
			}
			String body = (endOfHead >= 0) ? text.substring(endOfHead + 4) : "";
			return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
		}

		/**
		 * Return a header value, or {@code null}.
		 * @param name the lower-case header name
		 * @return the value
		 */
		public String header(String name) {
			return this.headers.get(name);
		}

	}

}
