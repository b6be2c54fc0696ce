package dev.reuseport.sample;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import com.sun.security.auth.module.UnixSystem;
import dev.reuseport.sample.SampleAppSupport.WhoAmI;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WhoAmIController}, with the sample application running in this JVM on
 * three SO_REUSEPORT listeners and a separate management port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WhoAmIControllerIntegrationTests {

	private static final int LISTENERS = 3;

	private static final int CONNECTIONS = 300;

	private static final long PID = ProcessHandle.current().pid();

	private static ConfigurableApplicationContext context;

	private static int port;

	private static int managementPort;

	@BeforeAll
	@Timeout(value = 60, unit = TimeUnit.SECONDS)
	static void startApplication() {
		// Arguments rather than default properties, which application.yml would override
		context = new SpringApplicationBuilder(SampleApplication.class).run("--server.port=0",
				"--server.address=" + SampleAppSupport.HOST, "--reuseport.listeners=" + LISTENERS,
				"--management.server.port=0", "--management.server.address=" + SampleAppSupport.HOST);
		port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		managementPort = context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
	}

	@AfterAll
	static void stopApplication() {
		if (context != null) {
			context.close();
		}
	}

	@Test
	void answersInPlainTextWithThisProcessAndTheListenerThatAccepted() {
		Response response = RawHttp.get(port, "/");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Content-Type")).startsWith("text/plain");
		// The loop name must end with the same index as the listener (\2)
		assertThat(response.body())
			.matches("gid: (\\d+), pid: " + PID + ", listener: ([0-2]), loop: reuseport-listener-\\2");
	}

	@Test
	void answersInJsonWhenAskedForJson() {
		Response response = RawHttp.get(port, "/", "Accept: application/json");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.header("Content-Type")).startsWith("application/json");
		DocumentContext json = JsonPath.parse(response.body());
		assertThat(json.read("$.gid", Long.class)).isEqualTo(new UnixSystem().getGid());
		assertThat(json.read("$.pid", Long.class)).isEqualTo(PID);
		int listener = json.read("$.listener", Integer.class);
		assertThat(listener).isBetween(0, LISTENERS - 1);
		assertThat(json.read("$.loop", String.class)).isEqualTo(SampleAppSupport.LOOP_PREFIX + listener);
	}

	@Test
	void managementServerIsUpAndPublishesTheMetersOfEveryListener() {
		Response health = RawHttp.get(managementPort, "/actuator/health");
		assertThat(health.status()).isEqualTo(200);
		assertThat(JsonPath.parse(health.body()).read("$.status", String.class)).isEqualTo("UP");
		Response prometheus = RawHttp.get(managementPort, "/actuator/prometheus");
		assertThat(prometheus.status()).isEqualTo(200);
		for (int listener = 0; listener < LISTENERS; listener++) {
			assertThat(prometheus.body()).contains("reuseport_listener_connections_accepted_total{listener=\""
					+ listener + "\",port=\"" + port + "\"}");
		}
		assertThat(prometheus.body()).doesNotContain("listener=\"" + LISTENERS + "\"")
			.doesNotContain("port=\"" + managementPort + "\"");
	}

	@Test
	void applicationPortHasOneSocketPerListenerAndManagementPortHasOne() {
		assertThat(managementPort).isNotEqualTo(port);
		assertThat(ListeningSockets.count(port)).isEqualTo(LISTENERS);
		assertThat(ListeningSockets.count(managementPort)).isOne();
	}

	@Test
	void everyConnectionIsServedOnTheLoopOfTheListenerThatAcceptedIt() {
		Set<Integer> listenersSeen = new TreeSet<>();
		for (int i = 0; i < CONNECTIONS; i++) {
			WhoAmI whoAmI = SampleAppSupport.whoAmI(port);
			assertThat(whoAmI.pid()).isEqualTo(PID);
			assertThat(whoAmI.listener()).isBetween(0, LISTENERS - 1);
			assertThat(whoAmI.loop()).as("loop of connection %d", i)
				.isEqualTo(SampleAppSupport.LOOP_PREFIX + whoAmI.listener());
			listenersSeen.add(whoAmI.listener());
		}
		assertThat(listenersSeen).containsExactly(0, 1, 2);
	}

}
