package dev.reuseport.autoconfigure;

import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.reuseport.server.ConnectionBalancing;
import dev.reuseport.server.ListenerTransport;
import dev.reuseport.server.ReuseportNettyReactiveWebServerFactory;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.Transports;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzedException;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.boot.web.server.reactive.context.AnnotationConfigReactiveWebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportAutoConfiguration}.
 */
class ReuseportAutoConfigurationTests {

	// The starter's own lines, and the warning of each context that fails on purpose
	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(Pattern.compile("(?s).*"), "dev.reuseport",
			"org.springframework.boot.web.server.reactive.context");

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner(
			AnnotationConfigReactiveWebServerApplicationContext::new)
		.withConfiguration(
				AutoConfigurations.of(ReuseportAutoConfiguration.class, NettyReactiveWebServerAutoConfiguration.class))
		.withUserConfiguration(HttpHandlerConfiguration.class)
		.withPropertyValues("server.port=0", "server.address=127.0.0.1");

	@Test
	void reuseportFactoryIsAutoConfiguredWithOneListenerPerEventLoopByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ReactiveWebServerFactory.class);
			assertThat(context.getBean(ReactiveWebServerFactory.class)).isInstanceOfSatisfying(
					ReuseportNettyReactiveWebServerFactory.class, (factory) -> assertThat(factory.getListenerCount())
						.isEqualTo(LoopResources.DEFAULT_IO_WORKER_COUNT));
		});
	}

	@Test
	void balancingComesFromReuseportBalance() {
		this.contextRunner
			.withPropertyValues("reuseport.balance.margin-ratio=0.25", "reuseport.balance.margin-connections=4")
			.run((context) -> assertThat(context.getBean(ReuseportNettyReactiveWebServerFactory.class).getBalancing())
				.isEqualTo(new ConnectionBalancing(true, 0.25, 4)));
	}

	@Test
	void listenerCountComesFromReuseportListeners() {
		this.contextRunner.withPropertyValues("reuseport.listeners=3")
			.run((context) -> assertThat(
					context.getBean(ReuseportNettyReactiveWebServerFactory.class).getListenerCount())
				.isEqualTo(3));
	}

	@Test
	void serverCustomizerBeansAreAppliedToTheReuseportFactory() {
		this.contextRunner.withUserConfiguration(CustomizationsConfiguration.class).run((context) -> {
			ReuseportNettyReactiveWebServerFactory factory = context
				.getBean(ReuseportNettyReactiveWebServerFactory.class);
			assertThat(factory.getServerCustomizers())
				.contains(context.getBean("customNettyServerCustomizer", NettyServerCustomizer.class));
		});
	}

	@Test
	void autoConfigurationBacksOffWhenDisabled() {
		this.contextRunner.withPropertyValues("reuseport.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(ReuseportNettyReactiveWebServerFactory.class);
			assertThat(context.getBean(ReactiveWebServerFactory.class))
				.isExactlyInstanceOf(NettyReactiveWebServerFactory.class);
		});
	}

	@Test
	void autoConfigurationBacksOffWhenTheUserDefinesAnotherServerFactory() {
		this.contextRunner.withUserConfiguration(CustomServerFactoryConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(ReactiveWebServerFactory.class);
			assertThat(context).hasBean("customReactiveWebServerFactory");
			assertThat(context).doesNotHaveBean(ReuseportNettyReactiveWebServerFactory.class);
		});
	}

	@Test
	void autoConfigurationDoesNotApplyWithoutReactorNetty() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpServer.class))
			.withUserConfiguration(CustomServerFactoryConfiguration.class)
			.run((context) -> {
				assertThat(context).doesNotHaveBean(ReuseportProperties.class);
				assertThat(context).doesNotHaveBean(ReuseportNettyReactiveWebServerFactory.class);
			});
	}

	@Test
	void autoConfigurationDoesNotApplyToNonReactiveApplication() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ReuseportAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportProperties.class));
	}

	@Test
	void fallsBackToASingleSocketServerWithOneWarningWhenEpollIsUnavailable() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Epoll.class, IoUring.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReactiveWebServerFactory.class))
				.isExactlyInstanceOf(NettyReactiveWebServerFactory.class);
			assertThat(this.logs.messages(Level.WARN)).singleElement()
				.asString()
				.contains("Native epoll is unavailable")
				.contains("io.netty.channel.epoll.Epoll");
		});
	}

	@Test
	void failsWithAnAnalyzedCauseWhenEpollIsUnavailableAndRequired() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Epoll.class, IoUring.class))
			.withPropertyValues("reuseport.required=true")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(ClassNotFoundException.class)
					.hasMessageContaining("io.netty.channel.epoll.Epoll is not on the classpath");
				FailureAnalysis analysis = new PreAnalyzedFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("native epoll transport, which is unavailable")
					.contains("io.netty.channel.epoll.Epoll is not on the classpath");
				assertThat(analysis.getAction()).contains("netty-transport-native-epoll")
					.contains("reuseport.required=false");
			});
	}

	@Test
	void autoTransportIsIoUringWhenItIsOnTheClasspathAndUsable() {
		Transports.use(ListenerTransport.IO_URING);
		this.contextRunner.run((context) -> {
			assertThat(context.getBean(ReuseportNettyReactiveWebServerFactory.class).getTransport())
				.isEqualTo(ListenerTransport.IO_URING);
			assertThat(this.logs.text()).doesNotContain("io_uring is unavailable");
		});
	}

	@Test
	void autoTransportIsEpollWithoutIoUringOnTheClasspath() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(IoUring.class)).run((context) -> {
			assertThat(context.getBean(ReuseportNettyReactiveWebServerFactory.class).getTransport())
				.isEqualTo(ListenerTransport.EPOLL);
			assertThat(this.logs.text()).doesNotContain("io_uring");
		});
	}

	@ParameterizedTest
	@EnumSource(ListenerTransport.class)
	void explicitTransportIsUsedWhereBothAreUsable(ListenerTransport transport) {
		Transports.use(ListenerTransport.IO_URING);
		this.contextRunner.withPropertyValues("reuseport.transport=" + transport.id())
			.run((context) -> assertThat(context.getBean(ReuseportNettyReactiveWebServerFactory.class).getTransport())
				.isEqualTo(transport));
	}

	@Test
	void ioUringTransportFallsBackToEpollWithOneWarningThatNamesTheCause() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(IoUring.class))
			.withPropertyValues("reuseport.transport=io_uring")
			.run((context) -> {
				assertThat(context.getBean(ReuseportNettyReactiveWebServerFactory.class).getTransport())
					.isEqualTo(ListenerTransport.EPOLL);
				assertThat(
						this.logs.events().stream().filter((event) -> event.getFormattedMessage().contains("io_uring")))
					.singleElement()
					.satisfies((event) -> assertThat(event.getLevel()).isEqualTo(Level.WARN))
					.extracting(ILoggingEvent::getFormattedMessage)
					.asString()
					.contains("reuseport.transport is io_uring, but io_uring is unavailable, so the listeners use "
							+ "epoll instead")
					.contains("Netty's io_uring transport is not on the classpath; add "
							+ "io.netty:netty-transport-native-io_uring");
			});
	}

	@Test
	void ioUringTransportFailsWithAnAnalyzedCauseWhenUnavailableAndRequired() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(IoUring.class))
			.withPropertyValues("reuseport.transport=io_uring", "reuseport.required=true")
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = new PreAnalyzedFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription())
					.startsWith("reuseport.transport is io_uring, but io_uring is unavailable: Netty's io_uring "
							+ "transport is not on the classpath");
				assertThat(analysis.getAction()).contains("reuseport.transport=auto")
					.contains("reuseport.required=false");
			});
	}

	@Test
	void listenersOutOfRangeFailWithAMessageThatNamesTheProperty() {
		for (String value : new String[] { "0", "-1", "1025" }) {
			this.contextRunner.withPropertyValues("reuseport.listeners=" + value).run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("reuseport.listeners")
					.hasMessageContaining("between 1 and 1024");
			});
		}
	}

	@Test
	void nonNumericListenersFailWithAMessageThatNamesTheProperty() {
		this.contextRunner.withPropertyValues("reuseport.listeners=many").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.hasStackTraceContaining("Failed to bind properties under 'reuseport.listeners'")
				.rootCause()
				.isInstanceOf(NumberFormatException.class)
				.hasMessageContaining("\"many\"");
		});
	}

	/**
	 * Reads the analysis that a {@link FailureAnalyzedException} carries, found among the
	 * causes of a failure by Boot's own analyzer base class, as at startup.
	 */
	static class PreAnalyzedFailureAnalyzer extends AbstractFailureAnalyzer<FailureAnalyzedException> {

		@Override
		protected FailureAnalysis analyze(Throwable rootFailure, FailureAnalyzedException cause) {
			return cause.analysis();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class HttpHandlerConfiguration {

		@Bean
		HttpHandler httpHandler() {
			return (request, response) -> response.setComplete();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizationsConfiguration {

		@Bean
		NettyServerCustomizer customNettyServerCustomizer() {
			return (server) -> server;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomServerFactoryConfiguration {

		@Bean
		ReactiveWebServerFactory customReactiveWebServerFactory() {
			return new NettyReactiveWebServerFactory();
		}

	}

}
