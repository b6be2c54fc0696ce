package dev.reuseport.server;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The log of the server's own category, {@code dev.reuseport.server.ReuseportWebServer},
 * which users already filter on, for the classes that speak for the server. The category
 * is named rather than taken from the class, so that those classes do not depend on
 * {@link ReuseportWebServer}, which depends on them.
 */
final class ServerLog {

	/**
	 * The category: the name of {@link ReuseportWebServer}.
	 */
	static final String CATEGORY = "dev.reuseport.server.ReuseportWebServer";

	private ServerLog() {
	}

	/**
	 * Return the log of the server's category.
	 * @return the log
	 */
	static Log get() {
		return LogFactory.getLog(CATEGORY);
	}

}
