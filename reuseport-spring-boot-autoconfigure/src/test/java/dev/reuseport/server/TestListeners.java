package dev.reuseport.server;

import io.netty.channel.Channel;

/**
 * Lets tests outside this package act on a listener's socket, which users never touch.
 */
public final class TestListeners {

	private TestListeners() {
	}

	/**
	 * Close a listener's socket while its server keeps running, as a fault would.
	 * @param listener the bound listener
	 */
	public static void closeSocket(ReuseportListener listener) {
		Channel channel = listener.channel();
		if (channel == null) {
			throw new IllegalStateException(listener + " is not bound");
		}
		channel.close().syncUninterruptibly();
	}

}
