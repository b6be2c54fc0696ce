package dev.reuseport.bench.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link ProxyShare}.
 */
class ProxyShareTests {

	@Test
	void countsTheCallsOfTheStepOnly() {
		ProxyShare share = ProxyShare.parse("before same=100 other=300\nafter same=1100 other=3300\n");
		assertThat(share.same()).isEqualTo(1000);
		assertThat(share.other()).isEqualTo(3000);
		assertThat(share.calls()).isEqualTo(4000);
		assertThat(share.share()).isCloseTo(0.25, within(1e-12));
	}

	@Test
	void noCallIsNoShare() {
		assertThat(ProxyShare.parse("before same=7 other=2\nafter same=7 other=2").share()).isNaN();
	}

	@Test
	void aMissingSideIsAnError() {
		assertThatIllegalArgumentException().isThrownBy(() -> ProxyShare.parse("before same=1 other=2\nafter \n"))
			.withMessageContaining("'after same=N other=M'");
	}

	@Test
	void countsThatGoDownAreAnError() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ProxyShare.parse("before same=10 other=2\nafter same=3 other=2"))
			.withMessageContaining("restart");
	}

}
