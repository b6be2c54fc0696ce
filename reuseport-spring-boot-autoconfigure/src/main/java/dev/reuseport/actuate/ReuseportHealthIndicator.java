package dev.reuseport.actuate;

import java.util.List;
import java.util.function.Supplier;

import dev.reuseport.server.OpenFiles;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@link org.springframework.boot.health.contributor.HealthIndicator} for the
 * SO_REUSEPORT listeners: UP when every configured listener is bound and open, DOWN when
 * one has closed while the server runs, because its share of new connections is then
 * served by the others or, for a closed group, refused. UNKNOWN when the application has
 * no running reuseport server. A listener withdrawn from the port while its event loop is
 * stalled is open, not closed: the server stays UP, with the withdrawn listeners in the
 * details, and so are the process's open descriptors and its open-files limit.
 *
 * @since 0.1.0
 */
public class ReuseportHealthIndicator extends AbstractHealthIndicator {

	private final Supplier<@Nullable ReuseportWebServer> webServer;

	/**
	 * Create an indicator.
	 * @param webServer supplies the running server, or {@code null} when the application
	 * has no reuseport server
	 */
	public ReuseportHealthIndicator(Supplier<@Nullable ReuseportWebServer> webServer) {
		super("Reuseport health check failed");
		this.webServer = webServer;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		ReuseportWebServer server = this.webServer.get();
		if (server == null || server.getPort() < 0) {
			builder.unknown().withDetail("reason", "No reuseport web server is running");
			return;
		}
		List<Integer> closed = server.getListeners()
			.stream()
			.filter((listener) -> !listener.isOpen())
			.map(ReuseportListener::index)
			.toList();
		int listeners = server.getListeners().size();
		if (closed.isEmpty()) {
			builder.up();
		}
		else {
			builder.down().withDetail("closedListeners", closed);
		}
		// A withdrawn listener is open and serves its connections: its loop stalled and
		// recovers on its own, so it does not take the server out of rotation
		List<Integer> withdrawn = server.getListeners()
			.stream()
			.filter(ReuseportListener::isWithdrawn)
			.map(ReuseportListener::index)
			.toList();
		builder.withDetail("port", server.getPort())
			.withDetail("listeners", listeners)
			.withDetail("openListeners", listeners - closed.size())
			.withDetail("withdrawnListeners", withdrawn)
			.withDetail("stallRelief", server.getStallReliefStatus().active() ? "active" : "inactive");
		// The headroom before the listeners cannot accept: reported, not judged, since
		// a process at its limit recovers as soon as connections close
		OpenFiles openFiles = OpenFiles.read();
		builder.withDetail("openFiles", openFiles.open()).withDetail("openFilesLimit", openFiles.limit());
	}

}
