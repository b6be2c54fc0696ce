package dev.reuseport.bench.webflux;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The bench's settings of Spring Boot's Reactor Netty server, with or without the starter
 * (A, B, B0, Au, Bu): the listen backlog and the listening loops
 * ({@link BenchServerCustomizer}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.boot.reactor.netty.NettyServerCustomizer")
class NettyBenchConfiguration {

	@Bean
	BenchServerCustomizer benchServerCustomizer(@Value("${bench.backlog:0}") int backlog, ListenerLoops listenerLoops) {
		return new BenchServerCustomizer(backlog, listenerLoops);
	}

}
