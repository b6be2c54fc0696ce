package dev.reuseport.bench.report;

import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.util.Version;

import org.springframework.boot.SpringBootVersion;
import org.springframework.core.SpringVersion;

/**
 * The versions of the libraries on the benchmark's class path, which is the class path of
 * servers A, B, B0 and C.
 */
final class Versions {

	private static final Pattern JAR_VERSION = Pattern.compile("-(\\d[^/]*?)(?:-linux-[^/]*)?\\.jar$");

	private Versions() {
	}

	static Map<String, String> detect() {
		Map<String, String> versions = new LinkedHashMap<>();
		versions.put("Spring Boot", String.valueOf(SpringBootVersion.getVersion()));
		versions.put("Spring Framework", String.valueOf(SpringVersion.getVersion()));
		versions.put("Reactor Netty", jarVersion("reactor.netty.http.server.HttpServer"));
		Version netty = Version.identify().get("netty-transport-native-epoll");
		versions.put("Netty", (netty != null) ? netty.artifactVersion() : jarVersion("io.netty.channel.Channel"));
		versions.put("Micrometer", jarVersion("io.micrometer.core.instrument.MeterRegistry"));
		versions.put("reuseport starter", jarVersion("dev.reuseport.server.ReuseportWebServer"));
		return versions;
	}

	private static String jarVersion(String className) {
		try {
			Class<?> type = Class.forName(className, false, Versions.class.getClassLoader());
			String version = type.getPackage().getImplementationVersion();
			return (version != null) ? version : fromLocation(type);
		}
		catch (ClassNotFoundException | RuntimeException ex) {
			return "?";
		}
	}

	private static String fromLocation(Class<?> type) {
		CodeSource source = type.getProtectionDomain().getCodeSource();
		if (source == null) {
			return "?";
		}
		Matcher matcher = JAR_VERSION.matcher(source.getLocation().getPath());
		return matcher.find() ? matcher.group(1) : "?";
	}

}
