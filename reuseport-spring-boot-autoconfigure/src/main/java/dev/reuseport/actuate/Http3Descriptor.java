package dev.reuseport.actuate;

import java.util.List;

import dev.reuseport.server.Http3Listener;
import dev.reuseport.server.ReuseportWebServer;
import org.jspecify.annotations.Nullable;

/**
 * Description of a server's HTTP/3 listeners, one UDP socket per listener loop, in the
 * {@code reuseport} endpoint.
 *
 * @param enabled whether HTTP/3 was asked for ({@code reuseport.http3.enabled})
 * @param port the UDP port of the listeners, or -1 when none is bound
 * @param unavailable why HTTP/3 is not served although it was asked for, with the fix, or
 * {@code null}
 * @param listeners the HTTP/3 listeners, by index
 * @since 0.1.0
 */
public record Http3Descriptor(boolean enabled, int port, @Nullable String unavailable,
		List<ListenerDescriptor> listeners) {

	static Http3Descriptor of(ReuseportWebServer server) {
		return new Http3Descriptor(server.getHttp3().enabled(), server.getHttp3().port(),
				server.getHttp3().unavailable(),
				server.getHttp3().listeners().stream().map(ListenerDescriptor::of).toList());
	}

	/**
	 * Description of one HTTP/3 listener.
	 *
	 * @param index the index of the listener, that of the TCP listener whose loop it
	 * shares
	 * @param address the address its UDP socket is bound to
	 * @param openConnections the QUIC connections open on its loop
	 * @param acceptedConnections the QUIC connections whose first packet arrived on its
	 * socket
	 * @param reroutedDatagrams the datagrams that arrived on its socket for another
	 * listener's connection and were handed to that listener's loop
	 * @param receiveDrops the datagrams that the kernel dropped on their way to its
	 * socket, or -1 when unknown
	 */
	public record ListenerDescriptor(int index, @Nullable String address, int openConnections, long acceptedConnections,
			long reroutedDatagrams, long receiveDrops) {

		static ListenerDescriptor of(Http3Listener listener) {
			return new ListenerDescriptor(listener.index(),
					(listener.localAddress() != null) ? String.valueOf(listener.localAddress()) : null,
					listener.openConnections(), listener.acceptedConnections(), listener.reroutedDatagrams(),
					listener.receiveDrops());
		}

	}

}
