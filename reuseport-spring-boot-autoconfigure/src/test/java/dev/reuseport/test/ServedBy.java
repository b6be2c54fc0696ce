package dev.reuseport.test;

/**
 * What the test application reports about the connection that carried a request: the
 * listener that accepted it and the thread that served it.
 *
 * @param listener the listener index, or -1 outside a reuseport server
 * @param thread the name of the thread that handled the request
 */
public record ServedBy(int listener, String thread) {

	/**
	 * Parse the body written by {@link #toString()}.
	 * @param body the response body
	 * @return the parsed value
	 */
	public static ServedBy parse(String body) {
		String[] parts = body.trim().split(" ", 2);
		return new ServedBy(Integer.parseInt(parts[0].substring("listener=".length())),
				parts[1].substring("thread=".length()));
	}

	/**
	 * Whether the request was served on the event loop of the listener that accepted its
	 * connection.
	 * @return whether the accepting and the serving loop are the same
	 */
	public boolean onOwnLoop() {
		return this.thread.equals("reuseport-listener-" + this.listener);
	}

	@Override
	public String toString() {
		return "listener=" + this.listener + " thread=" + this.thread;
	}

}
