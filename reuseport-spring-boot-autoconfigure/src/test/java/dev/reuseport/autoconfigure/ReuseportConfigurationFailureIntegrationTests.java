package dev.reuseport.autoconfigure;

import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.TestApplication;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests that an invalid {@code reuseport.*} value fails the application's startup with a
 * failure report that names the property and shows the value, as an operator sees it. The
 * report is captured rather than printed.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReuseportConfigurationFailureIntegrationTests {

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
			reuseport.listeners                | 0       | with value '0' is invalid: It must be between 1 and 1024
			reuseport.listeners                | -4      | with value '-4' is invalid: It must be between 1 and 1024
			reuseport.listeners                | 1025    | with value '1025' is invalid: It must be between 1 and 1024
			reuseport.listeners                | many    | Value: "many"
			reuseport.listeners                | 2.5     | Value: "2.5"
			reuseport.enabled                  | perhaps | Value: "perhaps"
			reuseport.required                 | perhaps | Value: "perhaps"
			reuseport.transport                | uring   | Value: "uring"
			reuseport.metrics.enabled          | perhaps | Value: "perhaps"
			reuseport.metrics.imbalance-window | 0s      | with value 'PT0S' is invalid: It must be positive
			reuseport.metrics.imbalance-window | -1m     | with value 'PT-1M' is invalid: It must be positive
			reuseport.metrics.imbalance-window | soon    | Value: "soon"
			reuseport.balance.enabled          | perhaps | Value: "perhaps"
			reuseport.balance.margin-ratio     | -0.1    | with value '-0.1' is invalid: It must be zero or positive
			reuseport.balance.margin-ratio     | NaN     | with value 'NaN' is invalid: It must be zero or positive
			reuseport.balance.margin-ratio     | half    | Value: "half"
			reuseport.balance.margin-connections | 0     | with value '0' is invalid: It must be at least 1
			reuseport.balance.margin-connections | 1.5   | Value: "1.5"
			""")
	void invalidValueFailsStartupWithAReportThatNamesTheProperty(String property, String value, String shown,
			CapturedOutput output) {
		try (CapturedLogs logs = CapturedLogs.startupFailure()) {
			assertThatException().isThrownBy(() -> TestApplication.run(property + "=" + value).close());
			String report = logs.text();
			assertThat(report).contains("APPLICATION FAILED TO START");
			String description = report.substring(report.indexOf("Description:"), report.indexOf("Action:"));
			assertThat(description).contains(property).contains(shown);
			assertThat(report).contains("Action:\n\nUpdate your application's configuration");
		}
		String console = output.getOut() + output.getErr();
		assertThat(console).doesNotContain("Netty started on port").doesNotContain("APPLICATION FAILED TO START");
	}

}
