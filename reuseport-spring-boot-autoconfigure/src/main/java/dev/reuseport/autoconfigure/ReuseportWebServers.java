package dev.reuseport.autoconfigure;

import java.util.function.Supplier;

import dev.reuseport.server.ReuseportWebServer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;

/**
 * Finds the reuseport web server of an application context, when it has one.
 */
final class ReuseportWebServers {

	private ReuseportWebServers() {
	}

	/**
	 * Return a supplier of the context's reuseport web server, looked up on each call
	 * because the server is created after the beans that report on it.
	 * @param context the application context that owns the web server
	 * @return the supplier; it supplies {@code null} when the context has no reuseport
	 * server
	 */
	static Supplier<@Nullable ReuseportWebServer> of(ApplicationContext context) {
		return () -> (context instanceof WebServerApplicationContext webContext
				&& webContext.getWebServer() instanceof ReuseportWebServer server) ? server : null;
	}

}
