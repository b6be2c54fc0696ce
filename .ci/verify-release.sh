#!/usr/bin/env bash
# Proves the release procedure of RELEASING.md without publishing anything:
#  1. copies the reactor to a temporary directory and sets its release version (the
#     current version without -SNAPSHOT) with versions:set, as a release does;
#  2. deploys it with -Prelease to a temporary file:// repository, signed with a
#     throwaway GnuPG key (without gpg, unsigned, which CI=true does not accept);
#  3. checks that the autoconfigure and starter modules have their jar, sources jar,
#     javadoc jar and POM there, with checksums and signatures, that the POMs hold the
#     metadata Maven Central requires, and that the sample and the bench are not there;
#  4. builds and runs a small consumer application that imports spring-boot-dependencies
#     as a BOM (no Spring Boot parent) and depends on the starter, with a fresh local
#     repository, so that the reuseport artifacts can only come from the file:// one.
# Runs in about two minutes on two cores, after ./mvnw verify. Set KEEP_RELEASE_CHECK=1 to
# keep the temporary directory. Fails when any check fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# Only the throwaway key below signs, whatever this environment holds
unset MAVEN_GPG_KEY MAVEN_GPG_PASSPHRASE
work="$(mktemp -d /tmp/reuseport-release.XXXXXX)"
export GNUPGHOME="$work/gnupg"
cleanup() {
	# Only the agent of the throwaway key's home, started by this script's gpg calls
	if [ -d "$GNUPGHOME" ] && command -v gpgconf >/dev/null 2>&1; then
		gpgconf --kill gpg-agent >/dev/null 2>&1 || true
	fi
	if [ "${KEEP_RELEASE_CHECK:-}" = 1 ]; then
		echo "release check: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

log() { echo "release check: $*"; }
fail() {
	echo "release check: FAILED: $*" >&2
	exit 1
}
# Runs Maven with its output in a log file, shown only when it fails
maven() {
	local name="$1"
	shift
	if ! "$root/mvnw" -B "$@" >"$work/$name.log" 2>&1; then
		tail -n 80 "$work/$name.log" >&2
		fail "./mvnw $* (log above)"
	fi
}

snapshot="$(sed -n 's:^\t<version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)"
version="${snapshot%-SNAPSHOT}"
boot_version="$(sed -n 's:.*<spring-boot.version>\(.*\)</spring-boot.version>.*:\1:p' pom.xml)"
[ -n "$version" ] && [ -n "$boot_version" ] || fail "cannot read the version or spring-boot.version from pom.xml"
log "releasing $snapshot as $version into file://$work/repository"

# The shared local repository is only read (as a tail), so that nothing of this check,
# not even the deployment's metadata, stays in it
shared_repository="${HOME}/.m2/repository"
build_local=(-Dmaven.repo.local="$work/build-m2")
[ -d "$shared_repository" ] && build_local+=(-Dmaven.repo.local.tail="$shared_repository")

# 1. A copy of the reactor (not the bench, which is no module), set to the release version
mkdir -p "$work/source"
tar --exclude=target -cf - pom.xml mvnw .mvn LICENSE README.md \
	reuseport-spring-boot-autoconfigure reuseport-spring-boot-starter sample-app | tar -xf - -C "$work/source"
cd "$work/source"
maven versions-set "${build_local[@]}" versions:set -DnewVersion="$version"
grep -q "<version>$version</version>" reuseport-spring-boot-starter/pom.xml || fail "versions:set did not set $version"

# Without a key, -Prelease signs nothing and says so
maven unsigned "${build_local[@]}" -N -Prelease verify
grep -q "NOT SIGNED: no signing key is configured, so reuseport-parent" "$work/unsigned.log" \
	|| fail "-Prelease without a key did not warn that it does not sign"
[ -z "$(find target -name '*.asc')" ] || fail "-Prelease without a key signed"

# 2. Deploy, signed with a throwaway key where gpg is installed
signing=()
if command -v gpg >/dev/null 2>&1; then
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key 'reuseport release check <release-check@example.invalid>' \
		ed25519 sign 1d 2>/dev/null
	key="$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | sed -n 's/^fpr:*\([0-9A-F]*\):.*/\1/p' | head -n 1)"
	signing=(-Dgpg.keyname="$key")
	log "signing with the throwaway key $key"
elif [ "${CI:-}" = true ]; then
	fail "gpg is not installed, so signing cannot be checked (.ci/run installs gnupg)"
else
	log "gpg is not installed: deploying unsigned and not checking signatures"
fi
repository="$work/repository"
maven deploy "${build_local[@]}" -Prelease deploy -DskipTests -Dmaven.install.skip=true "${signing[@]}" \
	-DaltDeploymentRepository=release-check::file://"$repository"
cd "$root"

# 3. The artifacts, their checksums and signatures, and the POMs' metadata
group="$repository/dev/reuseport"
check_file() {
	[ -s "$1" ] || fail "missing: ${1#"$repository"/}"
	for checksum in md5 sha1; do
		[ -s "$1.$checksum" ] || fail "missing: ${1#"$repository"/}.$checksum"
	done
	if [ "${#signing[@]}" -gt 0 ]; then
		gpg --batch --quiet --verify "$1.asc" "$1" 2>/dev/null || fail "no valid signature: ${1#"$repository"/}.asc"
	fi
}
check_entry() {
	# Not a pipe into grep -q: its early exit would fail the pipeline
	grep -qx -- "$2" <<<"$(jar tf "$1")" || fail "${1#"$repository"/} has no $2"
}
poms=("$group/reuseport-parent/$version/reuseport-parent-$version.pom")
check_file "${poms[0]}"
for module in reuseport-spring-boot-autoconfigure reuseport-spring-boot-starter; do
	base="$group/$module/$version/$module-$version"
	for file in "$base.jar" "$base-sources.jar" "$base-javadoc.jar" "$base.pom"; do
		check_file "$file"
	done
	poms+=("$base.pom")
	log "$module $version: jar, sources, javadoc and POM, with checksums${signing:+ and signatures}"
done
base="$group/reuseport-spring-boot-autoconfigure/$version/reuseport-spring-boot-autoconfigure-$version"
check_entry "$base.jar" "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports"
check_entry "$base-sources.jar" "dev/reuseport/server/ReuseportRequests.java"
check_entry "$base-javadoc.jar" "dev/reuseport/server/ReuseportRequests.html"
base="$group/reuseport-spring-boot-starter/$version/reuseport-spring-boot-starter-$version"
check_entry "$base-sources.jar" "README.md"
check_entry "$base-javadoc.jar" "README.md"
java "$root/.ci/CheckPublishedPom.java" "${poms[@]}" || fail "the published POMs lack metadata (above)"

published="$(cd "$group" && ls)"
[ "$(echo $published)" = "reuseport-parent reuseport-spring-boot-autoconfigure reuseport-spring-boot-starter" ] \
	|| fail "published other modules than the parent, autoconfigure and starter: $(echo $published)"
[ "$("$root/mvnw" -q -B "${build_local[@]}" -f bench/pom.xml help:evaluate -Dexpression=maven.deploy.skip -DforceStdout)" = true ] \
	|| fail "bench/pom.xml does not set maven.deploy.skip"
log "the sample is not published, and the bench skips deploy"

# 4. A consumer without the Spring Boot parent and without the reactor's artifacts
consumer="$work/consumer"
mkdir -p "$consumer/src/main/java/example"
cat >"$consumer/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
	<modelVersion>4.0.0</modelVersion>
	<groupId>example</groupId>
	<artifactId>consumer</artifactId>
	<version>1.0</version>
	<properties>
		<maven.compiler.release>17</maven.compiler.release>
		<project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
	</properties>
	<repositories>
		<repository>
			<id>release-check</id>
			<url>file://$repository</url>
		</repository>
	</repositories>
	<dependencyManagement>
		<dependencies>
			<dependency>
				<groupId>org.springframework.boot</groupId>
				<artifactId>spring-boot-dependencies</artifactId>
				<version>$boot_version</version>
				<type>pom</type>
				<scope>import</scope>
			</dependency>
		</dependencies>
	</dependencyManagement>
	<dependencies>
		<dependency>
			<groupId>dev.reuseport</groupId>
			<artifactId>reuseport-spring-boot-starter</artifactId>
			<version>$version</version>
		</dependency>
	</dependencies>
	<build>
		<plugins>
			<plugin>
				<groupId>org.apache.maven.plugins</groupId>
				<artifactId>maven-compiler-plugin</artifactId>
				<version>3.14.0</version>
			</plugin>
			<plugin>
				<groupId>org.springframework.boot</groupId>
				<artifactId>spring-boot-maven-plugin</artifactId>
				<version>$boot_version</version>
				<executions>
					<execution>
						<goals>
							<goal>repackage</goal>
						</goals>
					</execution>
				</executions>
			</plugin>
		</plugins>
	</build>
</project>
EOF
cat >"$consumer/src/main/java/example/ConsumerApplication.java" <<'EOF'
package example;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.reuseport.server.ReuseportRequests;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

// Starts on an ephemeral loopback port, asks itself which listener accepted, and stops
@SpringBootApplication
public class ConsumerApplication {

	public static void main(String[] args) throws Exception {
		try (ConfigurableApplicationContext context = SpringApplication.run(ConsumerApplication.class, args)) {
			WebServer server = ((WebServerApplicationContext) context).getWebServer();
			HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/"))
				.timeout(Duration.ofSeconds(10))
				.build();
			HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
			System.out.println("consumer: server " + server.getClass().getName() + ", status "
					+ response.statusCode() + ", " + response.body());
		}
	}

	@Bean
	RouterFunction<ServerResponse> routes() {
		return RouterFunctions.route()
			.GET("/", (request) -> ServerResponse.ok()
				.bodyValue("listener " + ReuseportRequests.listenerIndex(request.exchange().getRequest()).orElse(-1)))
			.build();
	}

}
EOF
# A fresh local repository; the shared one is a read-only tail for Spring Boot and the
# Maven plugins, unless it holds this version of the reuseport artifacts.
consumer_repository="$work/consumer-m2"
tail=()
if [ -d "$shared_repository" ] && ! ls -d "$shared_repository"/dev/reuseport/*/"$version" >/dev/null 2>&1; then
	tail=(-Dmaven.repo.local.tail="$shared_repository")
else
	log "not reading $shared_repository: it holds dev.reuseport $version (or does not exist); downloading all"
fi
maven consumer -f "$consumer/pom.xml" package -Dmaven.repo.local="$consumer_repository" "${tail[@]}"
for module in reuseport-spring-boot-autoconfigure reuseport-spring-boot-starter; do
	origin="$consumer_repository/dev/reuseport/$module/$version/_remote.repositories"
	grep -q "^$module-$version.jar>release-check=\$" "$origin" 2>/dev/null \
		|| fail "the consumer did not resolve $module $version from the file:// repository"
done
log "the consumer resolved the starter and the autoconfigure module from the file:// repository"

output="$(timeout 120 java -jar "$consumer/target/consumer-1.0.jar" --server.port=0 --server.address=127.0.0.1 \
	--reuseport.required=true --spring.main.banner-mode=off 2>&1)" || {
	echo "$output" | tail -n 60 >&2
	fail "the consumer application did not run"
}
echo "$output" | grep -q "^consumer: server dev.reuseport.server.ReuseportWebServer, status 200, listener [0-9]" || {
	echo "$output" | tail -n 60 >&2
	fail "the consumer application did not serve through a reuseport listener"
}
log "$(echo "$output" | grep '^consumer: ')"
log "passed"
