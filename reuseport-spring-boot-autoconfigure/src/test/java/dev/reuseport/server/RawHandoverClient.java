package dev.reuseport.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A client of the handover socket that speaks the protocol's lines itself, with the JDK's
 * Unix domain sockets, which cannot receive descriptors: a process that asks for the
 * listeners and then does what a test needs, such as going away.
 */
final class RawHandoverClient implements AutoCloseable {

	private final SocketChannel channel;

	private RawHandoverClient(SocketChannel channel) {
		this.channel = channel;
	}

	static RawHandoverClient connect(Path socket) throws IOException {
		SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		channel.connect(UnixDomainSocketAddress.of(socket));
		return new RawHandoverClient(channel);
	}

	/**
	 * Ask for the listeners on a port of 127.0.0.1.
	 * @param port the port
	 * @return the answer
	 * @throws IOException on a failed read or write
	 */
	String ask(int port) throws IOException {
		send("REQUEST " + ProcessHandle.current().pid() + " 127.0.0.1 " + port);
		return readLine();
	}

	void send(String line) throws IOException {
		this.channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
	}

	String readLine() throws IOException {
		StringBuilder line = new StringBuilder();
		ByteBuffer buffer = ByteBuffer.allocate(1);
		while (this.channel.read(buffer.clear()) == 1 && buffer.get(0) != '\n') {
			line.append((char) buffer.get(0));
		}
		return line.toString();
	}

	void readBytes(int count) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(count);
		while (buffer.hasRemaining() && this.channel.read(buffer) >= 0) {
			// Until the count, or the end of the stream
		}
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

}
