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
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bare HTTP/1.1 client over a plain socket on 127.0.0.1: each {@link #get} is one
 * request on a new TCP connection, so every call is a fresh accept on the server;
 * {@link #send} and {@link #read} keep a connection alive.
 */
public final class RawHttp {

	/**
	 * The address every request goes to.
	 */
	public static final String HOST = "127.0.0.1";

	private static final int TIMEOUT_MILLIS = 10_000;

	private RawHttp() {
	}

	/**
	 * Send {@code GET path} with {@code Connection: close} on a new connection and read
	 * the response to the end of the stream.
	 * @param port the port on {@link #HOST}
	 * @param path the request path
	 * @param extraHeaders extra header lines, such as {@code Accept-Encoding: gzip}
	 * @return the response
	 * @throws UncheckedIOException when the connection fails, with the cause
	 */
	public static Response get(int port, String path, String... extraHeaders) {
		try (Socket socket = connect(port)) {
			send(socket, path, true, extraHeaders);
			return Response.parse(socket.getInputStream().readAllBytes());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("GET " + path + " on port " + port + " failed", ex);
		}
	}

	/**
	 * Open a connection to {@link #HOST}.
	 * @param port the port
	 * @return the connected socket
	 * @throws IOException when the connection is refused
	 */
	public static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.setSoTimeout(TIMEOUT_MILLIS);
		socket.connect(new InetSocketAddress(HOST, port), TIMEOUT_MILLIS);
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
		StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n");
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
	 * @throws IOException on a read failure, or when the connection closes before the end
	 * of the response
	 */
	public static Response read(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		while (!endsWithBlankLine(bytes.toByteArray())) {
			int next = in.read();
			if (next < 0) {
				throw new IOException("Connection closed before the end of the response headers");
			}
			bytes.write(next);
		}
		String contentLength = Response.parse(bytes.toByteArray()).header("Content-Length");
		if (contentLength == null) {
			throw new IOException("Response without Content-Length: " + bytes);
		}
		int length = Integer.parseInt(contentLength);
		byte[] body = in.readNBytes(length);
		if (body.length < length) {
			throw new IOException("Connection closed before the end of the response body");
		}
		bytes.write(body);
		return Response.parse(bytes.toByteArray());
	}

	private static boolean endsWithBlankLine(byte[] bytes) {
		int n = bytes.length;
		return n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n';
	}

	/**
	 * An HTTP response read from the wire.
	 *
	 * @param status the status code
	 * @param headers the headers, by case-insensitive name
	 * @param body the body, de-chunked and decoded as UTF-8
	 */
	public record Response(int status, Map<String, String> headers, String body) {

		/**
		 * Parse a whole response, failing with the text when it is not one.
		 * @param bytes the response as received
		 * @return the response
		 */
		public static Response parse(byte[] bytes) {
			// ISO-8859-1 maps each byte to one char, so offsets in the text are offsets
			// in the bytes.
			String text = new String(bytes, StandardCharsets.ISO_8859_1);
			int headEnd = text.indexOf("\r\n\r\n");
			assertThat(headEnd).as("end of the headers in '%s'", text).isNotNegative();
			String[] head = text.substring(0, headEnd).split("\r\n");
			assertThat(head[0]).as("status line").startsWith("HTTP/1.1 ");
			Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
			for (int i = 1; i < head.length; i++) {
				int colon = head[i].indexOf(':');
				headers.put(head[i].substring(0, colon).trim(), head[i].substring(colon + 1).trim());
			}
			byte[] body = Arrays.copyOfRange(bytes, headEnd + 4, bytes.length);
			if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
				body = dechunk(body);
			}
			return new Response(Integer.parseInt(head[0].split(" ")[1]), headers,
					new String(body, StandardCharsets.UTF_8));
		}

		private static byte[] dechunk(byte[] chunked) {
			String text = new String(chunked, StandardCharsets.ISO_8859_1);
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			int position = 0;
			while (true) {
				int lineEnd = text.indexOf("\r\n", position);
				assertThat(lineEnd).as("chunk size line in '%s'", text).isNotNegative();
				int length = Integer.parseInt(text.substring(position, lineEnd).split(";")[0].trim(), 16);
				if (length == 0) {
					return body.toByteArray();
				}
				body.write(chunked, lineEnd + 2, length);
				position = lineEnd + 2 + length + 2;
			}
		}

		/**
		 * Return a header value, or {@code null}.
		 * @param name the header name, in any case
		 * @return the value
		 */
		public String header(String name) {
			return this.headers.get(name);
		}

	}

}
