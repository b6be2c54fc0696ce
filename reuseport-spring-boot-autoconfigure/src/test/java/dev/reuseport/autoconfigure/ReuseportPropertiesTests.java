package dev.reuseport.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.reuseport.autoconfigure.ReuseportProperties.Transport;
import dev.reuseport.server.ConnectionBalancing;
import dev.reuseport.server.HandoverSettings;
import dev.reuseport.server.ListenerSteering;
import dev.reuseport.server.StallReliefSettings;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ReuseportProperties}.
 */
class ReuseportPropertiesTests {

	@Test
	void defaultsEnableListenersWithMetricsAndFallback() {
		ReuseportProperties properties = bind(Map.of());
		assertThat(properties.isEnabled()).isTrue();
		// Unset: the factory's own default, one listener per Reactor Netty I/O worker
		assertThat(properties.getListeners()).isNull();
		assertThat(properties.isRequired()).isFalse();
		assertThat(properties.isJoinExisting()).isFalse();
		assertThat(properties.getTransport()).isEqualTo(Transport.AUTO);
		assertThat(properties.getMetrics().isEnabled()).isTrue();
		assertThat(properties.getMetrics().getImbalanceWindow()).isEqualTo(Duration.ofMinutes(1));
		assertThat(properties.getClientAffinity().isEnabled()).isTrue();
	}

	@Test
	void balanceDefaultsMatchConnectionBalancingDefault() {
		ReuseportProperties.Balance balance = bind(Map.of()).getBalance();
		assertThat(balance.isEnabled()).isEqualTo(ConnectionBalancing.DEFAULT.enabled());
		assertThat(balance.getMarginRatio()).isEqualTo(ConnectionBalancing.DEFAULT.marginRatio());
		assertThat(balance.getMarginConnections()).isEqualTo(ConnectionBalancing.DEFAULT.marginConnections());
	}

	@Test
	void stallReliefDefaultsMatchStallReliefSettingsDefault() {
		ReuseportProperties.StallRelief stallRelief = bind(Map.of()).getStallRelief();
		assertThat(stallRelief.isEnabled()).isEqualTo(StallReliefSettings.DEFAULT.enabled());
		assertThat(stallRelief.getThreshold()).isEqualTo(StallReliefSettings.DEFAULT.threshold());
		assertThat(stallRelief.getRejoinAfter()).isEqualTo(StallReliefSettings.DEFAULT.rejoinAfter());
	}

	@Test
	void bindsTheClientAffinityProperty() {
		ReuseportProperties properties = bind(Map.of("reuseport.client-affinity.enabled", "false"));
		assertThat(properties.getClientAffinity().isEnabled()).isFalse();
	}

	@Test
	void bindsTheBalanceProperties() {
		ReuseportProperties properties = bind(Map.of("reuseport.balance.enabled", "false",
				"reuseport.balance.margin-ratio", "0.3", "reuseport.balance.margin-connections", "5"));
		assertThat(properties.getBalance().isEnabled()).isFalse();
		assertThat(properties.getBalance().getMarginRatio()).isEqualTo(0.3);
		assertThat(properties.getBalance().getMarginConnections()).isEqualTo(5);
	}

	@Test
	void balanceMarginsOutOfRangeAreRejectedWithThePropertyNameAndTheFix() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("reuseport.balance.margin-connections", "0")))
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("reuseport.balance.margin-connections")
			.withMessageContaining("reuseport.balance.enabled=false");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("reuseport.balance.margin-ratio", "-1")))
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("reuseport.balance.margin-ratio")
			.withMessageContaining("such as 0.15");
	}

	@Test
	void bindsTheStallReliefProperties() {
		ReuseportProperties properties = bind(Map.of("reuseport.stall-relief.enabled", "false",
				"reuseport.stall-relief.threshold", "350ms", "reuseport.stall-relief.rejoin-after", "3s"));
		assertThat(properties.getStallRelief().isEnabled()).isFalse();
		assertThat(properties.getStallRelief().getThreshold()).isEqualTo(Duration.ofMillis(350));
		assertThat(properties.getStallRelief().getRejoinAfter()).isEqualTo(Duration.ofSeconds(3));
	}

	@Test
	void stallReliefValuesOutOfRangeAreRejectedWithThePropertyNameAndTheFix() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("reuseport.stall-relief.threshold", "19ms")))
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("reuseport.stall-relief.threshold")
			.withMessageContaining("at least 20ms")
			.withMessageContaining("reuseport.stall-relief.enabled=false");
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("reuseport.stall-relief.rejoin-after", "-1s")))
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("reuseport.stall-relief.rejoin-after")
			.withMessageContaining("such as 1s");
		assertThat(bind(Map.of("reuseport.stall-relief.threshold", "20ms")).getStallRelief().getThreshold())
			.isEqualTo(Duration.ofMillis(20));
	}

	@Test
	void handoverIsOffByDefault() {
		ReuseportProperties.Handover handover = bind(Map.of()).getHandover();
		assertThat(handover.getSocket()).isNull();
		assertThat(handover.getTimeout()).isEqualTo(HandoverSettings.DEFAULT_TIMEOUT);
		assertThat(handover.isExit()).isTrue();
	}

	@Test
	void bindsTheHandoverProperties() {
		ReuseportProperties.Handover handover = bind(Map.of("reuseport.handover.socket", "/run/app/handover.sock",
				"reuseport.handover.timeout", "3s", "reuseport.handover.exit", "false"))
			.getHandover();
		assertThat(handover.getSocket()).isEqualTo(Path.of("/run/app/handover.sock"));
		assertThat(handover.getTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(handover.isExit()).isFalse();
	}

	@Test
	void handoverValuesOutOfRangeAreRejectedWithThePropertyNameAndTheFix() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("reuseport.handover.timeout", "0s")))
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("reuseport.handover.timeout")
			.withMessageContaining("such as 10s");
		// A Unix domain socket's path holds 107 bytes at most
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("reuseport.handover.socket", "/run/" + "a".repeat(100) + "/handover.sock")))
			.havingRootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.withMessageContaining("reuseport.handover.socket")
			.withMessageContaining("at most 107 bytes");
	}

	@Test
	void steeringBindsAsSpelledInTheDocumentation() {
		assertThat(bind(Map.of()).getSteering()).isEqualTo(ListenerSteering.HASH);
		assertThat(bind(Map.of("reuseport.steering", "cpu")).getSteering()).isEqualTo(ListenerSteering.CPU);
		assertThat(ListenerSteering.CPU.id()).isEqualTo("cpu");
	}

	@Test
	void bindsEveryProperty() {
		ReuseportProperties properties = bind(Map.of("reuseport.enabled", "false", "reuseport.listeners", "7",
				"reuseport.required", "true", "reuseport.metrics.enabled", "false"));
		assertThat(properties.isEnabled()).isFalse();
		assertThat(properties.getListeners()).isEqualTo(7);
		assertThat(properties.isRequired()).isTrue();
		assertThat(properties.getMetrics().isEnabled()).isFalse();
	}

	@Test
	void transportBindsAsSpelledInTheDocumentation() {
		assertThat(bind(Map.of("reuseport.transport", "io_uring")).getTransport()).isEqualTo(Transport.IO_URING);
		assertThat(bind(Map.of("reuseport.transport", "epoll")).getTransport()).isEqualTo(Transport.EPOLL);
		assertThat(bind(Map.of("reuseport.transport", "auto")).getTransport()).isEqualTo(Transport.AUTO);
	}

	@Test
	void listenerBoundsAreInclusive() {
		assertThat(bind(Map.of("reuseport.listeners", "1")).getListeners()).isEqualTo(1);
		assertThat(bind(Map.of("reuseport.listeners", "1024")).getListeners()).isEqualTo(1024);
	}

	@Test
	void listenersOutsideTheRangeAreRejectedWithThePropertyName() {
		for (String value : new String[] { "0", "-4", "1025", "100000" }) {
			assertThatExceptionOfType(BindException.class).isThrownBy(() -> bind(Map.of("reuseport.listeners", value)))
				.havingRootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.withMessageContaining("reuseport.listeners")
				.withMessageContaining(value)
				.withMessageContaining("between 1 and 1024");
		}
	}

	private ReuseportProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("reuseport",
				ReuseportProperties.class);
	}

}
