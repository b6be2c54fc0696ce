package dev.reuseport.autoconfigure;

import java.nio.file.Path;

import dev.reuseport.server.ConnectionBalancing;
import dev.reuseport.server.HandoverSettings;
import dev.reuseport.server.Http3Settings;
import dev.reuseport.server.ReuseportNettyReactiveWebServerFactory;
import dev.reuseport.server.StallReliefSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * {@link WebServerFactoryCustomizer} that applies the {@code reuseport.*} properties to a
 * {@link ReuseportNettyReactiveWebServerFactory}: the number of listeners, the balancing
 * of connections across their loops and the relief of stalled loops. As Spring Boot's
 * {@code server.*} customizer does, it applies to any such factory, one that the
 * application defines included: the balancing and stall relief properties, which have
 * defaults, always replace the factory's settings, while {@code reuseport.listeners}
 * applies only when it is set, and leaves the factory's own default otherwise.
 *
 * @since 0.1.0
 */
public class ReuseportWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<ReuseportNettyReactiveWebServerFactory>, Ordered {

	private final ReuseportProperties properties;

	/**
	 * Create a customizer.
	 * @param properties the reuseport properties
	 */
	public ReuseportWebServerFactoryCustomizer(ReuseportProperties properties) {
		this.properties = properties;
	}

	@Override
	public int getOrder() {
		return 0;
	}

	@Override
	public void customize(ReuseportNettyReactiveWebServerFactory factory) {
		PropertyMapper map = PropertyMapper.get();
		map.from(this.properties::getListeners).to(factory::setListenerCount);
		map.from(this.properties::isJoinExisting).to(factory::setJoinExisting);
		map.from(this.properties::getBalance).as(this::balancing).to(factory::setBalancing);
		map.from(this.properties::getStallRelief).as(this::stallRelief).to(factory::setStallRelief);
		map.from(this.properties::getHandover).as(this::handover).to(factory::setHandover);
		map.from(this.properties::getSteering).to(factory::setSteering);
		map.from(this.properties::getHttp3).as(this::http3).to(factory::setHttp3);
	}

	private @Nullable Http3Settings http3(ReuseportProperties.Http3 http3) {
		if (!http3.isEnabled()) {
			return null;
		}
		return new Http3Settings(http3.getPort(), http3.getIdleTimeout(), http3.getMaxData().toBytes(),
				http3.getMaxStreamDataBidirectionalLocal().toBytes(),
				http3.getMaxStreamDataBidirectionalRemote().toBytes(), http3.getMaxStreamsBidirectional(),
				http3.isAltSvc() ? http3.getAltSvcMaxAge() : null, this.properties.isRequired());
	}

	private @Nullable HandoverSettings handover(ReuseportProperties.Handover handover) {
		Path socket = handover.getSocket();
		return (socket != null) ? new HandoverSettings(socket, handover.getTimeout()) : null;
	}

	private ConnectionBalancing balancing(ReuseportProperties.Balance balance) {
		return new ConnectionBalancing(balance.isEnabled(), balance.getMarginRatio(), balance.getMarginConnections());
	}

	private StallReliefSettings stallRelief(ReuseportProperties.StallRelief stallRelief) {
		return new StallReliefSettings(stallRelief.isEnabled(), stallRelief.getThreshold(),
				stallRelief.getRejoinAfter());
	}

}
