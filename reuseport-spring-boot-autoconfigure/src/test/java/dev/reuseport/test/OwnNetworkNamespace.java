package dev.reuseport.test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that the test JVM runs in a network namespace of its own with
 * {@code net.ipv4.tcp_migrate_req=1}, as the surefire execution for the tests tagged
 * {@value #TAG} starts it ({@code src/test/netns/bin/java}).
 */
public final class OwnNetworkNamespace {

	/**
	 * The JUnit tag of the tests that run in a network namespace of their own.
	 */
	public static final String TAG = "network-namespace";

	private OwnNetworkNamespace() {
	}

	/**
	 * Skip the test, or fail it in CI, unless the JVM runs in a namespace of its own;
	 * then check that queued connections migrate there.
	 */
	public static void require() {
		Prerequisites.requireRoot("Running in a network namespace of its own");
		Prerequisites.require("1".equals(System.getenv("NETNS_TEST_NAMESPACE")),
				"The test JVM does not run in a network namespace of its own; run it with Maven, whose "
						+ "network-namespace execution starts it through src/test/netns/bin/java");
		// Read with sysctl, not with the starter's own reader
		assertThat(Sysctl.value("net.ipv4.tcp_migrate_req")).isEqualTo("1");
	}

	/**
	 * Set a sysctl of this namespace, such as {@code net.ipv4.tcp_migrate_req=0}.
	 * @param setting the setting, as {@code key=value}
	 */
	public static void set(String setting) {
		String[] parts = setting.split("=", 2);
		Sysctl.set(parts[0], parts[1]);
		assertThat(Sysctl.value(parts[0])).isEqualTo(parts[1]);
	}

}
