package dev.reuseport.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ServerLog}.
 */
class ServerLogTests {

	@Test
	void theCategoryIsTheServersName() {
		assertThat(ServerLog.CATEGORY).isEqualTo(ReuseportWebServer.class.getName());
	}

}
