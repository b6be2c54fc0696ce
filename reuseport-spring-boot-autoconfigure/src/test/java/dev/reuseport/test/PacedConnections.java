package dev.reuseport.test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * New connections opened at a steady pace, each carrying one {@code GET} with
 * {@code Connection: close}, timed from its connect to the end of its response, so that a
 * connection that waits in a stalled listener's accept queue shows as a late one. Each
 * runs on a thread of its own, so that a late connection does not hold up the next.
 */
public final class PacedConnections {

	private PacedConnections() {
	}

	/**
	 * Open {@code count} connections, one every {@code interval}, and wait for all.
	 * @param port the port on 127.0.0.1
	 * @param path the request path
	 * @param count the number of connections, at most 1000
	 * @param interval the time between two connections
	 * @return the outcome of each connection, in opening order
	 */
	public static List<Outcome> open(int port, String path, int count, Duration interval) {
		if (count > 1000) {
			throw new IllegalArgumentException("At most 1000 connections");
		}
		ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
		ExecutorService clients = Executors.newCachedThreadPool();
		try {
			long start = System.nanoTime();
			List<ScheduledFuture<Future<Outcome>>> scheduled = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				long due = start + i * interval.toNanos();
				scheduled.add(pacer.schedule(() -> clients.submit(() -> connect(port, path)), due - System.nanoTime(),
						TimeUnit.NANOSECONDS));
			}
			List<Outcome> outcomes = new ArrayList<>();
			for (ScheduledFuture<Future<Outcome>> future : scheduled) {
				outcomes.add(future.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS));
			}
			return outcomes;
		}
		catch (Exception ex) {
			throw new IllegalStateException("Paced connections did not complete", ex);
		}
		finally {
			pacer.shutdownNow();
			clients.shutdownNow();
		}
	}

	private static Outcome connect(int port, String path) {
		// Timed from the connect itself: a client thread that starts late on a busy
		// machine says nothing about the server
		long begin = System.nanoTime();
		try {
			RawHttp.Response response = RawHttp.get(port, path);
			return new Outcome(Duration.ofNanos(System.nanoTime() - begin), response.status(), response.body(), null);
		}
		catch (RuntimeException ex) {
			Throwable cause = (ex.getCause() instanceof IOException io) ? io : ex;
			return new Outcome(Duration.ofNanos(System.nanoTime() - begin), -1, "", cause.toString());
		}
	}

	/**
	 * Return the share of the outcomes that took longer than {@code limit}.
	 * @param outcomes the outcomes
	 * @param limit the limit
	 * @return the share, from 0 to 1
	 */
	public static double shareSlowerThan(List<Outcome> outcomes, Duration limit) {
		return (double) outcomes.stream().filter((outcome) -> outcome.latency().compareTo(limit) > 0).count()
				/ outcomes.size();
	}

	/**
	 * What one connection got.
	 *
	 * @param latency from the connect to the end of the response
	 * @param status the response status, or -1 when the connection failed
	 * @param body the response body
	 * @param failure the failure, or {@code null}
	 */
	public record Outcome(Duration latency, int status, String body, String failure) {

	}

}
