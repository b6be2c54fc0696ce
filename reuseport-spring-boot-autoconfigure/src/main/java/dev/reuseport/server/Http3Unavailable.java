package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Why a server cannot serve HTTP/3: the reason, and the fix.
 *
 * @param reason what keeps the server from serving HTTP/3
 * @param action how to fix it
 * @param cause the underlying failure, or {@code null}
 */
record Http3Unavailable(String reason, String action, @Nullable Throwable cause) {

	/**
	 * Return the reason and the fix, as one message.
	 * @return the message
	 */
	String message() {
		return "HTTP/3 is off: " + this.reason + ". " + this.action;
	}

	private static final String QUIC_CLASS = "io.netty.handler.codec.quic.Quic";

	/**
	 * Find what keeps a server from serving HTTP/3 before it is built: Netty's native
	 * QUIC library, and TLS.
	 * @param secure whether the server has TLS
	 * @param classLoader the application's class loader
	 * @return why not, or {@code null} when nothing does
	 */
	static @Nullable Http3Unavailable beforeBuild(boolean secure, @Nullable ClassLoader classLoader) {
		String dependency = "io.netty:netty-codec-native-quic with classifier " + classifier();
		if (!ClassUtils.isPresent(QUIC_CLASS, classLoader)) {
			return new Http3Unavailable("Netty's QUIC codec is not on the class path",
					"Add " + dependency + " (reactor-netty-http brings it unless it is excluded)", null);
		}
		if (!io.netty.handler.codec.quic.Quic.isAvailable()) {
			Throwable cause = io.netty.handler.codec.quic.Quic.unavailabilityCause();
			return new Http3Unavailable(
					"Netty's native QUIC library does not load on this platform (" + System.getProperty("os.name") + " "
							+ System.getProperty("os.arch") + ": " + cause + ")",
					"Add " + dependency + ", or run on Linux x86_64 or aarch64", cause);
		}
		if (!secure) {
			return new Http3Unavailable("QUIC needs TLS and the server has none",
					"Set server.ssl.bundle, or "
							+ "server.ssl.certificate and server.ssl.certificate-private-key, or server.ssl.key-store",
					null);
		}
		return null;
	}

	/**
	 * Find whether the transport of a server's loops keeps it from serving HTTP/3.
	 * @param transport the transport of the listener loops
	 * @return why not, or {@code null} when it does not
	 */
	static @Nullable Http3Unavailable transport(ListenerTransport transport) {
		if (transport != ListenerTransport.EPOLL) {
			return new Http3Unavailable("its UDP sockets are served on epoll loops only, and reuseport.transport is "
					+ transport.name().toLowerCase(Locale.ROOT), "Set reuseport.transport=epoll", null);
		}
		return null;
	}

	/**
	 * Explain a UDP port that other sockets hold.
	 * @param address the address and UDP port
	 * @param holders the sockets on the port
	 * @param cause the failed bind, or {@code null}
	 * @return why HTTP/3 is not served
	 */
	static Http3Unavailable portInUse(InetSocketAddress address, PortListeners holders, @Nullable Throwable cause) {
		return portInUse(address, PortListeners.heldBy(holders.pids()), cause);
	}

	/**
	 * Explain a failed bind of the UDP sockets.
	 * @param address the address and UDP port
	 * @param ex the failure
	 * @return why HTTP/3 is not served
	 */
	static Http3Unavailable bindFailed(InetSocketAddress address, Exception ex) {
		String heldBy = PortListeners.heldBy(PortListeners.udp(address).pids());
		return portInUse(address, heldBy.isEmpty() ? " (" + ex.getMessage() + ")" : heldBy, ex);
	}

	/**
	 * Name the classifier of Netty's native QUIC jar for this machine, as Maven names it.
	 */
	private static String classifier() {
		return switch (System.getProperty("os.arch", "")) {
			case "amd64", "x86_64" -> "linux-x86_64";
			case "aarch64", "arm64" -> "linux-aarch_64";
			default -> "linux-x86_64 or linux-aarch_64";
		};
	}

	private static Http3Unavailable portInUse(InetSocketAddress address, String heldBy, @Nullable Throwable cause) {
		return new Http3Unavailable("UDP port " + address.getPort() + " is in use" + heldBy,
				"Stop what holds it, set reuseport.http3.port to a free port, or set reuseport.join-existing=true "
						+ "where a process that this one replaces holds it",
				cause);
	}

}
