package dev.reuseport.server;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.ReuseportHttp3Codecs;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.TypeReference;

/**
 * {@link RuntimeHintsRegistrar} for the reuseport server in a GraalVM native image.
 * <p>
 * Netty decides which events a handler may skip by looking up the handler's public
 * methods reflectively ({@code io.netty.channel.ChannelHandlerMask}), so each handler
 * type needs reflection metadata; Netty and Reactor Netty ship it for their own handlers,
 * and this registers the server's. Everything else the starter needs is inferred by
 * Spring's AOT processing: the endpoint's response types through its
 * {@code @ReadOperation} methods, the properties through their binding, and the failure
 * analyzer through {@code spring.factories}.
 */
class ReuseportServerRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		// A type hint is enough to look up its methods; the condition keeps the type out
		// of images that never add the handler
		hints.reflection()
			.registerType(KeepAliveDrainHandler.class, (hint) -> hint.onReachableType(KeepAliveDrainHandler.class))
			.registerType(AcceptFailures.Handler.class, (hint) -> hint.onReachableType(AcceptFailures.Handler.class))
			.registerType(ListenerLoopResources.AlreadyBound.class,
					(hint) -> hint.onReachableType(ListenerLoopResources.AlreadyBound.class))
			.registerType(HandoverSession.class, (hint) -> hint.onReachableType(HandoverSession.class))
			.registerType(HandoverChannels.Initializer.class,
					(hint) -> hint.onReachableType(HandoverChannels.Initializer.class))
			.registerType(HandoverReceiver.class, (hint) -> hint.onReachableType(HandoverReceiver.class))
			.registerType(Http3Listeners.Dispatcher.class,
					(hint) -> hint.onReachableType(Http3Listeners.Dispatcher.class))
			.registerType(Http3Listener.Tracker.class, (hint) -> hint.onReachableType(Http3Listener.Tracker.class))
			.registerType(TypeReference.of(ReuseportHttp3Codecs.class.getName() + "$ConnectionInitializer"),
					(hint) -> hint.onReachableType(ReuseportHttp3Codecs.class));
	}

}
