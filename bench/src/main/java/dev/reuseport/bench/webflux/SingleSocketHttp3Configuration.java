package dev.reuseport.bench.webflux;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * Binds {@link SingleSocketHttp3}, Reactor Netty's own HTTP/3 server, with
 * {@code --bench.http3-single-socket=true}, on the server's port and with the key of the
 * SSL bundle {@code bench}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("bench.http3-single-socket")
class SingleSocketHttp3Configuration {

	@Bean
	SingleSocketHttp3 singleSocketHttp3(HttpHandler httpHandler, SslBundles sslBundles,
			@Value("${server.address:127.0.0.1}") String host, @Value("${server.port}") int port) {
		return new SingleSocketHttp3(httpHandler, sslBundles.getBundle("bench"), host, port);
	}

}
