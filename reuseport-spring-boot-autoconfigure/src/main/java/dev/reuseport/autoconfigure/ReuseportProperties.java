package dev.reuseport.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Configuration properties for SO_REUSEPORT listeners, bound from {@code reuseport.*}.
 * Instances are immutable; invalid values fail at startup with the property name.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("reuseport")
public class ReuseportProperties {

	/**
	 * Smallest allowed value of {@code reuseport.listeners}.
	 */
	public static final int MIN_LISTENERS = 1;

	/**
	 * Largest allowed value of {@code reuseport.listeners}.
	 */
	public static final int MAX_LISTENERS = 1024;

	/**
	 * Whether to bind one SO_REUSEPORT listener per event loop on the server port. When
	 * disabled, Spring Boot's single-socket Reactor Netty server is used.
	 */
	private final boolean enabled;

	/**
	 * Number of SO_REUSEPORT listeners, each accepting and serving on its own event
	 * loop, from 1 to 1024. When not specified, Reactor Netty's I/O worker count is used
	 * ('reactor.netty.ioWorkerCount', or else the number of CPUs with a minimum of 4).
	 */
	private final @Nullable Integer listeners;

	/**
	 * Whether to fail startup when the native transport is unavailable, instead of
	 * logging a warning and falling back: from io_uring to epoll when io_uring is
	 * chosen explicitly, and from epoll to Spring Boot's single-socket server.
	 */
	private final boolean required;

	/**
	 * Native transport of the listeners. 'auto' uses io_uring when Netty's native
	 * io_uring library is on the classpath and usable on this kernel, and epoll
	 * otherwise.
	 */
	private final Transport transport;

	private final Metrics metrics;

	/**
	 * Create a new instance.
	 * @param enabled whether to bind one listener per event loop
	 * @param listeners the number of listeners, or {@code null} for one per I/O worker
	 * @param required whether the native transport must be available
	 * @param transport the native transport of the listeners
	 * @param metrics the metrics settings
	 */
	public ReuseportProperties(@DefaultValue("true") boolean enabled, @Nullable Integer listeners,
			@DefaultValue("false") boolean required, @DefaultValue("auto") Transport transport,
			@DefaultValue Metrics metrics) {
		if (listeners != null && (listeners < MIN_LISTENERS || listeners > MAX_LISTENERS)) {
			throw new InvalidConfigurationPropertyValueException("reuseport.listeners", listeners,
					"It must be between " + MIN_LISTENERS + " and " + MAX_LISTENERS
							+ ". Remove it to use one listener per event loop.");
		}
		this.enabled = enabled;
		this.listeners = listeners;
		this.required = required;
		this.transport = transport;
		this.metrics = metrics;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public @Nullable Integer getListeners() {
		return this.listeners;
	}

	/**
	 * Return the number of listeners to bind: the configured value, or else Reactor
	 * Netty's default I/O worker count.
	 * @return the number of listeners
	 */
	public int determineListenerCount() {
		return (this.listeners != null) ? this.listeners : LoopResources.DEFAULT_IO_WORKER_COUNT;
	}

	public boolean isRequired() {
		return this.required;
	}

	public Transport getTransport() {
		return this.transport;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	/**
	 * Native transports of the listeners.
	 */
	public enum Transport {

		/**
		 * io_uring when it is on the classpath and usable, and epoll otherwise.
		 */
		AUTO,

		/**
		 * Netty's native epoll transport.
		 */
		EPOLL,

		/**
		 * Netty's native io_uring transport, falling back to epoll when it is
		 * unavailable.
		 */
		IO_URING

	}

	/**
	 * Metrics settings.
	 */
	public static class Metrics {

		/**
		 * Whether to register per-listener connection meters when a MeterRegistry is
		 * available.
		 */
		private final boolean enabled;

		/**
		 * Window over which reuseport.listeners.imbalance compares the connections
		 * accepted by each listener. It is measured between gauge reads, so it lasts
		 * from one window to one window plus one scrape interval.
		 */
		private final Duration imbalanceWindow;

		/**
		 * Create a new instance.
		 * @param enabled whether to register per-listener meters
		 * @param imbalanceWindow the window of the imbalance gauge
		 */
		public Metrics(@DefaultValue("true") boolean enabled, @DefaultValue("1m") Duration imbalanceWindow) {
			if (imbalanceWindow.isNegative() || imbalanceWindow.isZero()) {
				throw new InvalidConfigurationPropertyValueException("reuseport.metrics.imbalance-window",
						imbalanceWindow, "It must be positive, such as 1m.");
			}
			this.enabled = enabled;
			this.imbalanceWindow = imbalanceWindow;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public Duration getImbalanceWindow() {
			return this.imbalanceWindow;
		}

	}

}
