package dev.reuseport.server;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.type.filter.AssignableTypeFilter;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportServerRuntimeHints}.
 */
class ReuseportServerRuntimeHintsTests {

	private final RuntimeHints hints = new RuntimeHints();

	@Test
	void registrarIsListedInAotFactories() {
		// Spring's AOT processing finds registrars only through this file
		List<RuntimeHintsRegistrar> registrars = SpringFactoriesLoader
			.forResourceLocation("META-INF/spring/aot.factories", getClass().getClassLoader())
			.load(RuntimeHintsRegistrar.class);
		assertThat(registrars).hasAtLeastOneElementOfType(ReuseportServerRuntimeHints.class);
	}

	@Test
	void eventMethodsThatTheHandlerOverridesCanBeIntrospected() {
		new ReuseportServerRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
		// ChannelHandlerMask looks up each event method by name and parameters, and
		// skips the handler for that event when the method found carries @Skip. The
		// methods inherited from ChannelDuplexHandler are covered by Netty's own
		// metadata.
		List<Method> overridden = Arrays.stream(KeepAliveDrainHandler.class.getDeclaredMethods())
			.filter((method) -> Modifier.isPublic(method.getModifiers()) && method.getParameterCount() > 0
					&& method.getParameterTypes()[0] == ChannelHandlerContext.class)
			.toList();
		assertThat(overridden).as("event methods that the handler overrides")
			.extracting(Method::getName)
			.contains("channelRead", "write", "channelInactive");
		for (Method method : overridden) {
			assertThat(RuntimeHintsPredicates.reflection().onMethod(method).introspect())
				.as("introspection of %s", method)
				.accepts(this.hints);
		}
	}

	@Test
	void everyChannelHandlerOfTheStarterHasHints() throws ClassNotFoundException {
		new ReuseportServerRuntimeHints().registerHints(this.hints, getClass().getClassLoader());
		// A handler added without a hint would fail only in a native image; scanning the
		// starter's own classes makes it fail here
		ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false) {

			@Override
			protected boolean isCandidateComponent(AnnotatedBeanDefinition beanDefinition) {
				return true;
			}

		};
		scanner.addIncludeFilter(new AssignableTypeFilter(ChannelHandler.class));
		CodeSource mainClasses = ReuseportServerRuntimeHints.class.getProtectionDomain().getCodeSource();
		List<Class<?>> handlers = new ArrayList<>();
		for (BeanDefinition candidate : scanner.findCandidateComponents("dev.reuseport")) {
			Class<?> type = ClassUtils.forName(candidate.getBeanClassName(), getClass().getClassLoader());
			if (type.getProtectionDomain().getCodeSource().getLocation().equals(mainClasses.getLocation())) {
				handlers.add(type);
			}
		}
		assertThat(handlers).as("channel handlers of the starter").contains(KeepAliveDrainHandler.class);
		for (Class<?> handler : handlers) {
			assertThat(RuntimeHintsPredicates.reflection().onType(handler)).as("hints for %s", handler.getName())
				.accepts(this.hints);
		}
	}

}
