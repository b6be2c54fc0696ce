package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Errors.NativeIoException;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AcceptFailures}, with the listening channel's pipeline in an
 * {@link EmbeddedChannel}.
 */
class AcceptFailuresTests {

	private static final int EMFILE = 24;

	private static final int ENFILE = 23;

	private static final int EINVAL = 22;

	// Every failed accept is warned of: the first of each test, by a log of its own
	@RegisterExtension
	final CapturedLogs logs = CapturedLogs.eachTest(
			Pattern.compile("WARN \\S+ : Listener 2 on embedded cannot accept connections: .*\n"),
			AcceptFailuresTests.class);

	private final AtomicBoolean withdrawn = new AtomicBoolean();

	private final AcceptFailures failures = new AcceptFailures(2,
			new AcceptFailureLog(
					new RetriedFailureLog(LogFactory.getLog(AcceptFailuresTests.class), Duration.ofMinutes(1)),
					() -> new OpenFiles(300, 300)),
			this.withdrawn::get);

	private final List<Throwable> passedOn = new ArrayList<>();

	@BeforeAll
	static void loadNettysNativeErrors() {
		// Errors describes an errno with the native library's strerror
		Epoll.ensureAvailability();
	}

	@Test
	void aFailedAcceptIsCountedWarnedAndPausesAcceptingThenAcceptingResumes() {
		EmbeddedChannel channel = listeningChannel();
		channel.pipeline().fireExceptionCaught(acceptFailure(EMFILE));
		assertThat(this.logs.messages(Level.WARN)).singleElement()
			.asString()
			.startsWith("Listener 2 on embedded cannot accept connections: too many open files in this process");
		assertThat(this.failures.count(AcceptError.EMFILE)).isOne();
		assertThat(channel.config().isAutoRead()).isFalse();
		assertThat(this.passedOn).as("failures passed on to Reactor Netty's acceptor").isEmpty();
		channel.advanceTimeBy(AcceptFailures.PAUSE.toMillis() - 1, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.config().isAutoRead()).isFalse();
		channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.config().isAutoRead()).isTrue();
	}

	@Test
	void failuresAreCountedByError() {
		EmbeddedChannel channel = listeningChannel();
		channel.pipeline().fireExceptionCaught(acceptFailure(EMFILE));
		channel.pipeline().fireExceptionCaught(acceptFailure(ENFILE));
		channel.pipeline().fireExceptionCaught(acceptFailure(ENFILE));
		channel.pipeline().fireExceptionCaught(acceptFailure(EINVAL));
		assertThat(this.failures.count(AcceptError.EMFILE)).isOne();
		assertThat(this.failures.count(AcceptError.ENFILE)).isEqualTo(2);
		assertThat(this.failures.count(AcceptError.OTHER)).isOne();
	}

	@Test
	void theFailedAcceptOfAWithdrawnListenerIsPassedOnUncounted() {
		EmbeddedChannel channel = listeningChannel();
		this.withdrawn.set(true);
		NativeIoException failure = acceptFailure(EINVAL);
		channel.pipeline().fireExceptionCaught(failure);
		assertThat(this.passedOn).containsExactly(failure);
		assertThat(this.failures.count(AcceptError.OTHER)).isZero();
	}

	@Test
	void aListenerWithdrawnDuringThePauseIsLeftToItsRejoin() {
		EmbeddedChannel channel = listeningChannel();
		channel.pipeline().fireExceptionCaught(acceptFailure(EMFILE));
		this.withdrawn.set(true);
		channel.advanceTimeBy(AcceptFailures.PAUSE.toMillis(), TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.config().isAutoRead()).isFalse();
	}

	@Test
	void otherExceptionsArePassedOn() {
		EmbeddedChannel channel = listeningChannel();
		IllegalStateException failure = new IllegalStateException("not an accept");
		channel.pipeline().fireExceptionCaught(failure);
		assertThat(this.passedOn).containsExactly(failure);
		assertThat(channel.config().isAutoRead()).isTrue();
	}

	@Test
	void eachBindGetsAHandlerOfItsOwnAndTheCountsLastAcrossThem() {
		listeningChannel().pipeline().fireExceptionCaught(acceptFailure(EMFILE));
		listeningChannel().pipeline().fireExceptionCaught(acceptFailure(EMFILE));
		assertThat(this.failures.count(AcceptError.EMFILE)).isEqualTo(2);
	}

	private EmbeddedChannel listeningChannel() {
		EmbeddedChannel channel = new EmbeddedChannel(this.failures.handler(), new ChannelInboundHandlerAdapter() {

			@Override
			public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
				AcceptFailuresTests.this.passedOn.add(cause);
			}

		});
		// The pause is timed by the test alone
		channel.freezeTime();
		return channel;
	}

	private static NativeIoException acceptFailure(int errno) {
		return Errors.newIOException("accept(..)", -errno);
	}

}
