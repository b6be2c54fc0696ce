package dev.reuseport.actuate;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.LoopStall;
import dev.reuseport.test.OwnNetworkNamespace;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestApplication;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;

import static dev.reuseport.test.TestApplication.managementPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The endpoint, the health contributor and the meters while a listener is withdrawn from
 * the port because its loop stalled, read over HTTP from a running application in a
 * network namespace of the test's own with {@code net.ipv4.tcp_migrate_req=1}.
 */
@Tag(OwnNetworkNamespace.TAG)
class ReuseportWithdrawnListenerIntegrationTests {

	/**
	 * The stall reports that the tests provoke, captured rather than printed.
	 */
	@RegisterExtension
	final CapturedLogs stallReports = CapturedLogs.eachTest(LoopStall.REPORT, "dev.reuseport.server.BlockedLoopLog");

	@BeforeAll
	static void ownNetworkNamespace() {
		OwnNetworkNamespace.require();
	}

	@Test
	void withdrawnListenerIsReportedOpenAndUp() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run(TestApplication.STALL_RELIEF,
				"reuseport.listeners=4", "management.server.port=0",
				"management.endpoints.web.exposure.include=reuseport,health,prometheus",
				"management.endpoint.health.show-details=always")) {
			int port = TestApplication.port(context);
			int managementPort = managementPort(context);
			ReuseportListener stalled = TestApplication.webServer(context).getListeners().get(1);
			try (Socket blocking = LoopStall.blockLoop(port, 1, 2500)) {
				await().atMost(Duration.ofSeconds(5)).until(stalled::isWithdrawn);
				String json = RawHttp.get(managementPort, "/actuator/reuseport").body();
				assertThat(JsonPath.<Boolean>read(json, "$.stallRelief.enabled")).isTrue();
				assertThat(JsonPath.<Boolean>read(json, "$.stallRelief.active")).isTrue();
				// The endpoint leaves null values out
				assertThat(JsonPath.<Map<String, Object>>read(json, "$.stallRelief"))
					.doesNotContainKey("inactiveReason");
				assertThat(JsonPath.<Integer>read(json, "$.stallRelief.thresholdMillis")).isEqualTo(200);
				assertThat(JsonPath.<List<Boolean>>read(json, "$.listeners[*].withdrawn")).containsExactly(false, true,
						false, false);
				assertThat(JsonPath.<List<Boolean>>read(json, "$.listeners[*].open")).containsOnly(true);
				assertThat(JsonPath.<Integer>read(json, "$.listeners[1].stallWithdrawals")).isEqualTo(1);
				assertThat(JsonPath.<Boolean>read(json, "$.listeners[1].lastStall.ongoing")).isTrue();
				assertThat(JsonPath.<Boolean>read(json, "$.listeners[1].lastStall.withdrew")).isTrue();
				assertThat(JsonPath.<Integer>read(json, "$.listeners[1].lastStall.durationMillis"))
					.isGreaterThanOrEqualTo(200);
				assertThat(JsonPath.<List<String>>read(json, "$.listeners[1].lastStall.topFrames")).hasSize(10)
					.anySatisfy((frame) -> assertThat(frame).contains("dev.reuseport.test.TestApplication.block("));
				assertThat(JsonPath.<Map<String, Object>>read(json, "$.listeners[0]")).doesNotContainKey("lastStall");

				String health = RawHttp.get(managementPort, "/actuator/health").body();
				assertThat(JsonPath.<String>read(health, "$.components.reuseport.status")).isEqualTo("UP");
				assertThat(JsonPath.<List<Integer>>read(health, "$.components.reuseport.details.withdrawnListeners"))
					.containsExactly(1);
				assertThat(JsonPath.<Integer>read(health, "$.components.reuseport.details.openListeners")).isEqualTo(4);

				String metrics = RawHttp.get(managementPort, "/actuator/prometheus").body();
				assertThat(metrics).contains("reuseport_listener_withdrawn{listener=\"1\",port=\"" + port + "\"} 1.0")
					.contains("reuseport_listener_withdrawn{listener=\"0\",port=\"" + port + "\"} 0.0")
					.contains("reuseport_listener_stalls_total{listener=\"1\",port=\"" + port + "\"} 1.0")
					.contains("reuseport_listener_stalls_total{listener=\"2\",port=\"" + port + "\"} 0.0")
					.contains("reuseport_listener_loop_blocked_total{listener=\"1\",port=\"" + port + "\"} 1.0")
					.contains("reuseport_listener_loop_blocked_total{listener=\"2\",port=\"" + port + "\"} 0.0");
				assertThat(RawHttp.read(blocking).status()).isEqualTo(200);
			}
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				String json = RawHttp.get(managementPort, "/actuator/reuseport").body();
				assertThat(JsonPath.<List<Boolean>>read(json, "$.listeners[*].withdrawn")).containsOnly(false);
				assertThat(JsonPath.<Boolean>read(json, "$.listeners[1].lastStall.ongoing")).isFalse();
				assertThat(RawHttp.get(managementPort, "/actuator/prometheus").body())
					.contains("reuseport_listener_withdrawn{listener=\"1\",port=\"" + port + "\"} 0.0");
			});
		}
	}

}
