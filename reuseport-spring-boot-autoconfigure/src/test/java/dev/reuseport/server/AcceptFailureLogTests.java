package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AcceptFailureLog}.
 */
class AcceptFailureLogTests {

	private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 8080);

	private final AtomicLong nanoTime = new AtomicLong(1);

	@BeforeAll
	static void loadNettysNativeErrors() {
		Epoll.ensureAvailability();
	}

	@Test
	void namesTheProcessLimitTheOpenFilesAndTheFix() {
		try (CapturedLogs logs = CapturedLogs.capture(AcceptFailureLogTests.class)) {
			log(new OpenFiles(1000, 1024)).failed(1, ADDRESS, AcceptError.EMFILE, Errors.newIOException("accept", -24),
					AcceptFailures.PAUSE);
			assertThat(logs.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("Listener 1 on /127.0.0.1:8080 cannot accept connections: too many open files in this "
						+ "process (EMFILE: accept(..) failed")
				.contains("The process has 1000 open files of a limit of 1024.")
				.contains("It accepts again every 500 ms; new connections wait in the accept queue meanwhile. Raise")
				.contains("LimitNOFILE=")
				.contains("ulimit -n")
				.endsWith("(ls /proc/%d/fd).".formatted(ProcessHandle.current().pid()));
		}
	}

	@Test
	void saysTheProcessIsAtItsLimitWhenItCannotCountItsFiles() {
		try (CapturedLogs logs = CapturedLogs.capture(AcceptFailureLogTests.class)) {
			log(new OpenFiles(-1, 300)).failed(0, ADDRESS, AcceptError.EMFILE, Errors.newIOException("accept", -24),
					AcceptFailures.PAUSE);
			assertThat(logs.messages(Level.WARN)).singleElement()
				.asString()
				.contains("The process is at its limit of 300 open files (too many to count them).");
		}
	}

	@Test
	void namesTheSystemLimitForEnfile() {
		try (CapturedLogs logs = CapturedLogs.capture(AcceptFailureLogTests.class)) {
			log(new OpenFiles(10, 1024)).failed(0, ADDRESS, AcceptError.ENFILE, Errors.newIOException("accept", -23),
					AcceptFailures.PAUSE);
			assertThat(logs.messages(Level.WARN)).singleElement()
				.asString()
				.contains("too many open files in the system (ENFILE")
				.contains("fs.file-max");
		}
	}

	@Test
	void warnsOncePerIntervalForTheWholeServerAndCountsTheFailuresInBetween() {
		AcceptFailureLog log = log(new OpenFiles(300, 300));
		try (CapturedLogs logs = CapturedLogs.capture(AcceptFailureLogTests.class)) {
			for (int listener = 0; listener < 4; listener++) {
				log.failed(listener, ADDRESS, AcceptError.EMFILE, Errors.newIOException("accept", -24),
						AcceptFailures.PAUSE);
			}
			this.nanoTime.addAndGet(AcceptFailureLog.INTERVAL.toNanos());
			log.failed(2, ADDRESS, AcceptError.EMFILE, Errors.newIOException("accept", -24), AcceptFailures.PAUSE);
			assertThat(logs.messages(Level.WARN)).hasSize(2)
				.last()
				.asString()
				.startsWith("Listener 2 ")
				.endsWith("(3 failures since the last warning were logged at DEBUG)");
		}
	}

	private AcceptFailureLog log(OpenFiles openFiles) {
		return new AcceptFailureLog(new RetriedFailureLog(LogFactory.getLog(AcceptFailureLogTests.class),
				AcceptFailureLog.INTERVAL, this.nanoTime::get), () -> openFiles);
	}

}
