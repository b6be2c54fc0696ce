package dev.reuseport.autoconfigure;

import dev.reuseport.server.ReuseportWebServer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Ends the process once its reuseport server has handed its listening sockets over to the
 * process that replaces it: the application context closes, which drains the connections
 * as on SIGTERM ({@code server.shutdown}), then the JVM exits with the context's exit
 * code, as {@code System.exit(SpringApplication.exit(context))} does.
 */
class ReuseportHandoverExit implements ApplicationListener<WebServerInitializedEvent> {

	private static final Log logger = LogFactory.getLog(ReuseportHandoverExit.class);

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getWebServer() instanceof ReuseportWebServer server
				&& event.getApplicationContext() instanceof ConfigurableApplicationContext context) {
			server.whenHandedOver((process) -> exit(context, process));
		}
	}

	private static void exit(ConfigurableApplicationContext context, long process) {
		// Not on the handover's loop, which the context's close shuts down
		Thread exit = new Thread(() -> {
			logger.info("Process " + process + " has taken the listening sockets over: closing the application "
					+ "context and exiting, as reuseport.handover.exit allows");
			System.exit(SpringApplication.exit(context));
		}, "reuseport-handover-exit");
		exit.start();
	}

}
