package dev.reuseport.server;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link HandoverLine}.
 */
class HandoverLineTests {

	@Test
	void aRequestNamesThisProcessAndTheAddress() {
		String request = HandoverLine.request(new InetSocketAddress("127.0.0.1", 8080));
		assertThat(request).isEqualTo("REQUEST " + ProcessHandle.current().pid() + " 127.0.0.1 8080\n");
		HandoverLine line = HandoverLine.parse(request.strip());
		assertThat(line.is(HandoverLine.REQUEST)).isTrue();
		assertThat(line.number(0)).isEqualTo(ProcessHandle.current().pid());
		assertThat(line.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
	}

	@Test
	void theWildcardAndIPv6AddressesAreLiteral() {
		assertThat(HandoverLine.parse("REQUEST 1 0.0.0.0 80").address().getAddress().isAnyLocalAddress()).isTrue();
		assertThat(HandoverLine.parse("REQUEST 1 0:0:0:0:0:0:0:1 80").address())
			.isEqualTo(new InetSocketAddress("::1", 80));
	}

	@Test
	void aReasonKeepsItsSpacesButNoLineBreak() {
		String refused = HandoverLine.of(HandoverLine.REFUSED, "a handover\nto process 7 is under way");
		assertThat(refused).isEqualTo("REFUSED a handover to process 7 is under way\n");
		assertThat(HandoverLine.parse(refused.strip()).text(0)).isEqualTo("a handover to process 7 is under way");
	}

	@Test
	void aMalformedLineIsRefusedWithTheLine() {
		assertThatIllegalArgumentException().isThrownBy(() -> HandoverLine.parse("OFFER 12 epoll many 0").number(2))
			.withMessage("Malformed handover line: OFFER 12 epoll many 0");
		assertThatIllegalArgumentException().isThrownBy(() -> HandoverLine.parse("REQUEST 12").address())
			.withMessage("Malformed handover line: REQUEST 12");
		assertThatIllegalArgumentException().isThrownBy(() -> HandoverLine.parse("OFFER").word(1))
			.withMessage("Malformed handover line: OFFER");
	}

}
