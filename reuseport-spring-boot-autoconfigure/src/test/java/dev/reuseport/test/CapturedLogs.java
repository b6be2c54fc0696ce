package dev.reuseport.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * What named loggers log while a test provokes it on purpose, kept from the console so
 * that the test can assert it. Each named logger, and every logger below it, logs to this
 * capture only, until it is closed; every other logger still logs to the console, so that
 * an unexpected problem stays visible. Unlike Spring Boot's {@code CapturedOutput}, which
 * copies the console and still prints it, this takes the events away from the console.
 * <p>
 * Spring Boot resets Logback when an application starts after another has stopped, which
 * detaches every appender. {@link Reapply}, registered in
 * {@code META-INF/spring.factories}, captures again once Boot has configured logging, so
 * that a capture opened before {@code SpringApplication.run} also gets what the
 * application logs as it starts or fails to start.
 * <p>
 * Open a capture around the code that provokes the logs, or register one for each test of
 * a class with {@link #eachTest(Pattern, String...)}.
 *
 * <pre class="code">
 * try (CapturedLogs logs = CapturedLogs.capture("org.springframework.boot.diagnostics")) {
 *     // provoke the failure
 *     assertThat(logs.messages(Level.ERROR)).anyMatch((message) -&gt; message.contains("..."));
 * }
 * </pre>
 */
public final class CapturedLogs implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

	private static final Set<CapturedLogs> OPEN = ConcurrentHashMap.newKeySet();

	private static final Pattern ANYTHING = Pattern.compile(".*", Pattern.DOTALL);

	private final Pattern expected;

	private final List<String> loggers;

	private final Map<String, Boolean> additivity = new LinkedHashMap<>();

	private final Queue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();

	private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {

		@Override
		protected void append(ILoggingEvent event) {
			event.prepareForDeferredProcessing();
			CapturedLogs.this.events.add(event);
		}

	};

	private CapturedLogs(Pattern expected, String... loggers) {
		this.expected = expected;
		this.loggers = List.of(loggers);
		this.appender.setName("captured-logs");
		this.appender.setContext(context());
	}

	/**
	 * Capture what the named loggers, and the loggers below them, log from now until the
	 * capture is closed, instead of printing it.
	 * @param loggers the names of the loggers, such as a class or package name
	 * @return the capture; close it to print again
	 */
	public static CapturedLogs capture(String... loggers) {
		CapturedLogs logs = new CapturedLogs(ANYTHING, loggers);
		logs.open();
		return logs;
	}

	/**
	 * Capture what the loggers of the given classes log, instead of printing it.
	 * @param loggers the classes whose loggers to capture
	 * @return the capture; close it to print again
	 */
	public static CapturedLogs capture(Class<?>... loggers) {
		return capture(names(loggers));
	}

	/**
	 * Capture what the named loggers log during each test, as a JUnit extension in a
	 * {@code @RegisterExtension} field, and fail the test if they log anything that the
	 * expected pattern does not match as {@link #text(ILoggingEvent)} renders it. Each
	 * test starts with no events.
	 * @param expected what every event may be
	 * @param loggers the names of the loggers, such as a class or package name
	 * @return the extension
	 */
	public static CapturedLogs eachTest(Pattern expected, String... loggers) {
		return new CapturedLogs(expected, loggers);
	}

	/**
	 * Capture what the loggers of the given classes log during each test, as a JUnit
	 * extension, and fail the test if they log anything unexpected.
	 * @param expected what every event may be
	 * @param loggers the classes whose loggers to capture
	 * @return the extension
	 * @see #eachTest(Pattern, String...)
	 */
	public static CapturedLogs eachTest(Pattern expected, Class<?>... loggers) {
		return eachTest(expected, names(loggers));
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		open();
	}

	@Override
	public void afterEach(ExtensionContext context) {
		close();
		List<String> unexpected = this.events.stream()
			.map(CapturedLogs::text)
			.filter((text) -> !this.expected.matcher(text).matches())
			.toList();
		if (!unexpected.isEmpty()) {
			throw new AssertionError("Logged by " + this.loggers + ", but not matched by " + this.expected + ":\n"
					+ String.join("", unexpected));
		}
	}

	private void open() {
		this.events.clear();
		for (String name : this.loggers) {
			this.additivity.put(name, logger(name).isAdditive());
		}
		attach();
		OPEN.add(this);
	}

	private static String[] names(Class<?>... classes) {
		return Arrays.stream(classes).map(Class::getName).toArray(String[]::new);
	}

	/**
	 * Capture what Spring Boot logs when an application fails to start: the failure
	 * analysis ({@code APPLICATION FAILED TO START}) or the failure itself, the
	 * application context's warning that it cancels its refresh, and the hint about the
	 * condition evaluation report.
	 * @return the capture; close it to print again
	 */
	public static CapturedLogs startupFailure() {
		return capture("org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter",
				"org.springframework.boot.SpringApplication", "org.springframework.boot.web.server.reactive.context",
				"org.springframework.boot.autoconfigure.logging.ConditionEvaluationReportLogger");
	}

	/**
	 * Return every event captured so far, in the order they were logged.
	 * @return the events
	 */
	public List<ILoggingEvent> events() {
		return new ArrayList<>(this.events);
	}

	/**
	 * Return the formatted messages of the events captured so far at a level.
	 * @param level the level
	 * @return the messages
	 */
	public List<String> messages(Level level) {
		return this.events.stream()
			.filter((event) -> event.getLevel() == level)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

	/**
	 * Return the events captured so far as text: for each, a line with its level, logger
	 * and message, then one line for each exception in its chain of causes.
	 * @return the text
	 */
	public String text() {
		return this.events.stream().map(CapturedLogs::text).collect(Collectors.joining());
	}

	/**
	 * Return an event as text: a line with its level, logger and message, then one line
	 * with the class name and message of each exception in its chain of causes.
	 * @param event the event
	 * @return the text
	 */
	public static String text(ILoggingEvent event) {
		StringBuilder text = new StringBuilder().append(event.getLevel())
			.append(' ')
			.append(event.getLoggerName())
			.append(" : ")
			.append(event.getFormattedMessage())
			.append('\n');
		for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
			text.append(cause.getClassName()).append(": ").append(cause.getMessage()).append('\n');
		}
		return text.toString();
	}

	/**
	 * Stop capturing: the loggers print again as before.
	 */
	@Override
	public void close() {
		OPEN.remove(this);
		this.additivity.forEach((name, additive) -> {
			Logger logger = logger(name);
			logger.detachAppender(this.appender);
			logger.setAdditive(additive);
		});
		this.appender.stop();
	}

	private void attach() {
		this.appender.start();
		for (String name : this.loggers) {
			Logger logger = logger(name);
			logger.setAdditive(false);
			if (!logger.isAttached(this.appender)) {
				logger.addAppender(this.appender);
			}
		}
	}

	private static Logger logger(String name) {
		return context().getLogger(name);
	}

	private static LoggerContext context() {
		return (LoggerContext) LoggerFactory.getILoggerFactory();
	}

	/**
	 * Captures again, once Spring Boot has configured logging for an application that
	 * starts, what every open capture had captured before Boot reset Logback.
	 */
	public static final class Reapply implements SpringApplicationRunListener, Ordered {

		@Override
		public void environmentPrepared(ConfigurableBootstrapContext bootstrapContext,
				ConfigurableEnvironment environment) {
			OPEN.forEach(CapturedLogs::attach);
		}

		@Override
		public int getOrder() {
			// After the listener that publishes the event on which Boot configures
			// logging
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
