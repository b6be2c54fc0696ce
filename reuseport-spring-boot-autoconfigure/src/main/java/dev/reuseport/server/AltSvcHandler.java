package dev.reuseport.server;

import java.util.function.BiFunction;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Adds {@code Alt-Svc} to every HTTP/1.1 and HTTP/2 response while the server's HTTP/3
 * listeners are bound (RFC 7838), so that clients learn where to find HTTP/3; HTTP/3
 * responses need none.
 */
final class AltSvcHandler implements BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {

	private static final String ALT_SVC = "alt-svc";

	private final BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler;

	private final Supplier<@Nullable String> altSvc;

	/**
	 * Create a handler.
	 * @param handler the server's handler
	 * @param altSvc the header's value now, or {@code null} when none is to be sent
	 */
	AltSvcHandler(BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler,
			Supplier<@Nullable String> altSvc) {
		this.handler = handler;
		this.altSvc = altSvc;
	}

	@Override
	public Publisher<Void> apply(HttpServerRequest request, HttpServerResponse response) {
		String value = this.altSvc.get();
		if (value != null && !request.protocol().startsWith("HTTP/3")) {
			response.header(ALT_SVC, value);
		}
		return this.handler.apply(request, response);
	}

}
