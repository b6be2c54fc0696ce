package dev.reuseport.client;

/**
 * One answer of the {@link ProxyConfiguration} route.
 *
 * @param inbound the thread that served the inbound request
 * @param downstream the thread that received the downstream response
 * @param body the downstream response body
 */
record ProxiedCall(String inbound, String downstream, String body) {

	static ProxiedCall parse(String answer) {
		String[] parts = answer.trim().split(" ", 3);
		return new ProxiedCall(value(parts[0], "inbound="), value(parts[1], "downstream="), value(parts[2], "body="));
	}

	private static String value(String part, String prefix) {
		if (!part.startsWith(prefix)) {
			throw new IllegalArgumentException("Expected " + prefix + " in '" + part + "'");
		}
		return part.substring(prefix.length());
	}

	boolean onInboundLoop() {
		return this.inbound.equals(this.downstream);
	}

}
