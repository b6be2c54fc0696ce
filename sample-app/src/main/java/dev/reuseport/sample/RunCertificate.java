package dev.reuseport.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;

/**
 * Gives the sample a self-signed certificate for {@code localhost} when it runs with the
 * {@code http3} profile and no {@code server.ssl} key of its own: QUIC needs TLS. The
 * JDK's {@code keytool} generates the key into a temporary directory for this run only,
 * so that no private key is ever committed; the directory is deleted when the JVM exits.
 */
class RunCertificate implements EnvironmentPostProcessor {

	private static final String PROFILE = "http3";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.acceptsProfiles(Profiles.of(PROFILE)) || hasKey(environment)) {
			return;
		}
		String password = UUID.randomUUID().toString();
		Path keyStore = generate(password);
		environment.getPropertySources()
			.addFirst(new MapPropertySource("sampleRunCertificate", Map.of("server.ssl.key-store", keyStore.toString(),
					"server.ssl.key-store-password", password, "server.ssl.key-store-type", "PKCS12")));
	}

	private static boolean hasKey(ConfigurableEnvironment environment) {
		return List.of("server.ssl.bundle", "server.ssl.key-store", "server.ssl.certificate")
			.stream()
			.anyMatch(environment::containsProperty);
	}

	private static Path generate(String password) {
		try {
			Path directory = Files.createTempDirectory("reuseport-sample-");
			Path keyStore = directory.resolve("localhost.p12");
			directory.toFile().deleteOnExit();
			keyStore.toFile().deleteOnExit();
			Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
					"-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "7",
					"-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
					"-keystore", keyStore.toString(), "-storepass", password, "-keypass", password)
				.redirectErrorStream(true)
				.start();
			String output = new String(keytool.getInputStream().readAllBytes());
			if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
				throw new IllegalStateException("keytool could not generate the sample's certificate: " + output);
			}
			return keyStore;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not generate the sample's certificate", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while generating the sample's certificate", ex);
		}
	}

}
