package dev.reuseport.client;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A {@code /proxy} route that calls {@code downstream.url} plus the {@code path} query
 * parameter through the auto-configured {@link WebClient.Builder}, and answers with the
 * thread that served the request and the thread that received the downstream response:
 * {@code inbound=<thread> downstream=<thread> body=<body>}; or 503 with
 * {@code error=<root cause class>} when the call fails.
 */
@Configuration(proxyBeanMethods = false)
class ProxyConfiguration {

	@Bean
	RouterFunction<ServerResponse> proxyRoute(WebClient.Builder builder, Environment environment) {
		WebClient client = builder.baseUrl(environment.getRequiredProperty("downstream.url")).build();
		return RouterFunctions.route().GET("/proxy", (request) -> proxy(client, request)).build();
	}

	private Mono<ServerResponse> proxy(WebClient client, ServerRequest request) {
		String inbound = Thread.currentThread().getName();
		String path = request.queryParam("path").orElse("/ok");
		return client.get()
			.uri(path)
			.retrieve()
			.bodyToMono(String.class)
			.map((body) -> "inbound=" + inbound + " downstream=" + Thread.currentThread().getName() + " body=" + body)
			.flatMap((body) -> ServerResponse.ok().bodyValue(body))
			.onErrorResume((ex) -> ServerResponse.status(503).bodyValue("error=" + rootCause(ex).getName()));
	}

	private static Class<?> rootCause(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		return cause.getClass();
	}

}
