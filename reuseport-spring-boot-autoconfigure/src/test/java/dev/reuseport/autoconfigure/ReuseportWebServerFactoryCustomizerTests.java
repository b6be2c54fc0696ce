package dev.reuseport.autoconfigure;

import java.time.Duration;
import java.util.Map;

import dev.reuseport.server.ConnectionBalancing;
import dev.reuseport.server.ReuseportNettyReactiveWebServerFactory;
import dev.reuseport.server.StallReliefSettings;
import org.junit.jupiter.api.Test;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportWebServerFactoryCustomizer}.
 */
class ReuseportWebServerFactoryCustomizerTests {

	@Test
	void unsetPropertiesLeaveTheFactorysDefaults() {
		ReuseportNettyReactiveWebServerFactory factory = customize(Map.of());
		assertThat(factory.getListenerCount()).isEqualTo(LoopResources.DEFAULT_IO_WORKER_COUNT);
		assertThat(factory.getBalancing()).isEqualTo(ConnectionBalancing.DEFAULT);
		assertThat(factory.getStallRelief()).isEqualTo(StallReliefSettings.DEFAULT);
	}

	@Test
	void mapsJoinExisting() {
		assertThat(customize(Map.of()).isJoinExisting()).isFalse();
		assertThat(customize(Map.of("reuseport.join-existing", "true")).isJoinExisting()).isTrue();
	}

	@Test
	void mapsTheListenerCount() {
		assertThat(customize(Map.of("reuseport.listeners", "3")).getListenerCount()).isEqualTo(3);
	}

	@Test
	void mapsTheBalanceProperties() {
		ReuseportNettyReactiveWebServerFactory factory = customize(Map.of("reuseport.balance.enabled", "false",
				"reuseport.balance.margin-ratio", "0.3", "reuseport.balance.margin-connections", "5"));
		assertThat(factory.getBalancing()).isEqualTo(new ConnectionBalancing(false, 0.3, 5));
	}

	@Test
	void mapsTheStallReliefProperties() {
		ReuseportNettyReactiveWebServerFactory factory = customize(Map.of("reuseport.stall-relief.enabled", "false",
				"reuseport.stall-relief.threshold", "350ms", "reuseport.stall-relief.rejoin-after", "3s"));
		assertThat(factory.getStallRelief())
			.isEqualTo(new StallReliefSettings(false, Duration.ofMillis(350), Duration.ofSeconds(3)));
	}

	private static ReuseportNettyReactiveWebServerFactory customize(Map<String, String> properties) {
		ReuseportProperties bound = new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("reuseport",
				ReuseportProperties.class);
		ReuseportNettyReactiveWebServerFactory factory = new ReuseportNettyReactiveWebServerFactory();
		new ReuseportWebServerFactoryCustomizer(bound).customize(factory);
		return factory;
	}

}
