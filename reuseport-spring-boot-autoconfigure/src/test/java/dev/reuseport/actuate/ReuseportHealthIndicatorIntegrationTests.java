package dev.reuseport.actuate;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.server.TestListeners;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.reuseport.test.TestApplication.managementPort;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link ReuseportHealthIndicator}, read from the health endpoint
 * of a running application.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportHealthIndicatorIntegrationTests {

	private static final String[] PROPERTIES = { "reuseport.listeners=3", "management.server.port=0",
			"management.endpoint.health.show-details=always" };

	@Test
	void isUpWhenEveryListenerIsOpen() {
		try (ConfigurableApplicationContext context = TestApplication.run(PROPERTIES)) {
			Response health = RawHttp.get(managementPort(context), "/actuator/health");
			assertThat(health.status()).isEqualTo(200);
			assertThat(JsonPath.<String>read(health.body(), "$.components.reuseport.status")).isEqualTo("UP");
			assertThat(JsonPath.<Integer>read(health.body(), "$.components.reuseport.details.port"))
				.isEqualTo(webServer(context).getPort());
			assertThat(JsonPath.<Integer>read(health.body(), "$.components.reuseport.details.listeners")).isEqualTo(3);
			assertThat(JsonPath.<Integer>read(health.body(), "$.components.reuseport.details.openListeners"))
				.isEqualTo(3);
		}
	}

	@Test
	void isDownWithDetailsWhenAListenerClosesWhileTheOthersKeepServing() {
		try (ConfigurableApplicationContext context = TestApplication.run(PROPERTIES)) {
			ReuseportWebServer server = webServer(context);
			TestListeners.closeSocket(server.getListeners().get(1));
			Response health = RawHttp.get(managementPort(context), "/actuator/health");
			assertThat(health.status()).isEqualTo(503);
			assertThat(JsonPath.<String>read(health.body(), "$.components.reuseport.status")).isEqualTo("DOWN");
			assertThat(JsonPath.<List<Integer>>read(health.body(), "$.components.reuseport.details.closedListeners"))
				.containsExactly(1);
			assertThat(JsonPath.<Integer>read(health.body(), "$.components.reuseport.details.openListeners"))
				.isEqualTo(2);
			Set<Integer> serving = ConcurrentHashMap.newKeySet();
			for (int i = 0; i < 60; i++) {
				Response response = RawHttp.get(server.getPort(), "/whoami");
				assertThat(response.status()).isEqualTo(200);
				serving.add(ServedBy.parse(response.body()).listener());
			}
			assertThat(serving).containsExactlyInAnyOrder(0, 2);
		}
	}

}
