package dev.reuseport.server;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Makes Netty's io_uring listeners accept one connection per request rather than with a
 * multishot accept, unless the application chose otherwise.
 * <p>
 * Netty 4.2 re-arms a multishot accept that has failed at once, whatever the channel's
 * auto-read ({@code AbstractIoUringChannel.readComplete}). When the process is at its
 * open-files limit with connections waiting, every accept fails at once with
 * {@code EMFILE}, so the listener loops spin: four io_uring listeners used about 940
 * ticks in 4 s, both CPUs of a 2-CPU machine, where single-shot accepts used 6 and epoll
 * 3. With single-shot accepts, a failed accept is not re-armed once auto-read is off, so
 * the pause of {@link AcceptFailures} holds.
 * <p>
 * Netty reads {@value #MULTISHOT_PROPERTY} once, when its {@code IoUring} class
 * initializes; the starter sets it to {@code false}, unless it is already set, before
 * that: as a Spring Boot application starts, and in any case before a listener creates
 * its io_uring loop.
 */
final class IoUringAcceptMode implements EnvironmentPostProcessor {

	/**
	 * Netty's system property for multishot accepts on io_uring.
	 */
	static final String MULTISHOT_PROPERTY = "io.netty.iouring.acceptMultiShotEnabled";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		preferSingleShot();
	}

	/**
	 * Ask Netty for single-shot accepts on io_uring, unless the application has set
	 * {@value #MULTISHOT_PROPERTY} itself.
	 */
	static void preferSingleShot() {
		if (System.getProperty(MULTISHOT_PROPERTY) == null) {
			System.setProperty(MULTISHOT_PROPERTY, "false");
		}
	}

}
