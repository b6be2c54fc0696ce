package dev.reuseport.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import ch.qos.logback.classic.Level;
import dev.reuseport.test.CapturedLogs;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.boot.reactor.netty.NettyWebServer;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.Ssl.ClientAuth;
import org.springframework.boot.web.server.WebServer;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.SslInfo;

import static dev.reuseport.server.ContractServers.TIMEOUT;
import static dev.reuseport.server.ContractServers.factory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Checks the SSL part of Spring Boot's contract of a reactive web server factory, as
 * Spring Boot's {@code AbstractReactiveWebServerFactoryTests} and
 * {@code NettyReactiveWebServerFactoryTests} define it, against
 * {@link ReuseportNettyReactiveWebServerFactory}, on every listener of each server (see
 * {@link EveryListener}), with a JSSE client on 127.0.0.1 that sends SNI
 * {@code localhost}. It covers:
 * <ul>
 * <li>a key store from the class path and from the file system, served over HTTPS and
 * logged as {@code (https)} in Spring Boot's startup line;</li>
 * <li>a key alias that chooses the served certificate, and an alias that the key store
 * lacks, which fails the start;</li>
 * <li>SSL without key material, which fails the start;</li>
 * <li>client authentication: wanted, with and without a client certificate; needed, with
 * a client certificate and without one, which no request gets past;</li>
 * <li>PEM certificate, private key and trusted certificate;</li>
 * <li>an SSL bundle, whose update is served from then on.</li>
 * </ul>
 * HTTP/2 over TLS is checked by {@link ReuseportWebServerIntegrationTests}. The
 * certificates, except those of the project's {@code test.p12}, are generated for the
 * tests by the JDK's {@code keytool} into a temporary directory.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportNettyReactiveWebServerFactorySslContractTests {

	private static final String PASSWORD = "secret";

	/**
	 * The project's test key store: one key, aliased {@code test}, for localhost.
	 */
	private static final String TEST_P12 = "test.p12";

	private static final String TEST_P12_PASSWORD = "secret1";

	@TempDir
	static Path directory;

	/**
	 * A key store of two server keys, aliased {@code first} and {@code second}.
	 */
	private static Path serverKeyStore;

	private static GeneratedKey first;

	private static GeneratedKey second;

	/**
	 * A key store of one client key, aliased {@code client}, and the trust store of the
	 * servers that authenticate clients.
	 */
	private static Path clientKeyStore;

	private static GeneratedKey client;

	private final ContractServers servers = new ContractServers();

	private final AtomicInteger requests = new AtomicInteger();

	@BeforeAll
	static void generateKeys() throws Exception {
		serverKeyStore = directory.resolve("server.p12");
		first = GeneratedKey.generate(serverKeyStore, "first", "CN=localhost, OU=first");
		second = GeneratedKey.generate(serverKeyStore, "second", "CN=localhost, OU=second");
		clientKeyStore = directory.resolve("client.p12");
		client = GeneratedKey.generate(clientKeyStore, "client", "CN=client");
	}

	@AfterEach
	void stopServers() throws IOException {
		this.servers.close();
	}

	@Test
	void keyStoreFromTheClassPathIsServedOverHttpsOnEveryListener() throws Exception {
		Ssl ssl = testP12("classpath:" + TEST_P12);
		try (CapturedLogs logs = CapturedLogs.capture(NettyWebServer.class)) {
			WebServer server = start(ssl);
			assertThat(logs.messages(Level.INFO))
				.containsExactly("Netty started on port %d (https)".formatted(server.getPort()));
			assertServed(server, testP12Certificate(), "https client=none");
		}
	}

	@Test
	void keyStoreFromTheFileSystemIsServedOverHttpsOnEveryListener() throws Exception {
		Path keyStore = directory.resolve("copy-of-" + TEST_P12);
		try (InputStream in = new ClassPathResource(TEST_P12).getInputStream()) {
			Files.copy(in, keyStore);
		}
		assertServed(start(testP12(keyStore.toString())), testP12Certificate(), "https client=none");
	}

	@Test
	void keyAliasChoosesTheServedCertificateOnEveryListener() {
		assertServed(start(serverSsl("second")), second.certificate(), "https client=none");
		assertServed(start(serverSsl("first")), first.certificate(), "https client=none");
	}

	@Test
	void keyAliasThatTheKeyStoreLacksFailsTheStart() {
		assertThatException().isThrownBy(() -> start(serverSsl("missing")))
			.withStackTraceContaining("Keystore does not contain alias 'missing'");
	}

	@Test
	void sslWithoutKeyMaterialFailsTheStart() {
		Ssl ssl = new Ssl();
		ssl.setKeyStorePassword(PASSWORD);
		assertThatIllegalStateException().isThrownBy(() -> start(ssl))
			.withMessageContaining("SSL is enabled but no trust material is configured");
	}

	@Test
	void wantedClientAuthenticationReadsTheClientCertificateOnEveryListener() {
		WebServer server = start(authenticating(ClientAuth.WANT));
		assertServed(server, clientKeys(), first.certificate(), "https client=CN=client");
	}

	@Test
	void wantedClientAuthenticationServesAClientWithoutCertificateOnEveryListener() {
		WebServer server = start(authenticating(ClientAuth.WANT));
		assertServed(server, first.certificate(), "https client=none");
	}

	@Test
	void neededClientAuthenticationServesAClientWithCertificateOnEveryListener() {
		WebServer server = start(authenticating(ClientAuth.NEED));
		assertServed(server, clientKeys(), first.certificate(), "https client=CN=client");
	}

	@Test
	void neededClientAuthenticationRefusesAClientWithoutCertificateOnEveryListener() {
		WebServer server = start(authenticating(ClientAuth.NEED));
		EveryListener.check(server, () -> assertThat(tryGet(server.getPort(), null)).as("answer").isEmpty());
		assertThat(this.requests).as("requests that reached the handler").hasValue(0);
	}

	@Test
	void pemCertificateKeyAndTrustedCertificateAreServedOnEveryListener() throws IOException {
		Ssl ssl = new Ssl();
		ssl.setCertificate(write("first-cert.pem", first.certificatePem()).toString());
		ssl.setCertificatePrivateKey(write("first-key.pem", first.privateKeyPem()).toString());
		ssl.setTrustCertificate(write("client-cert.pem", client.certificatePem()).toString());
		ssl.setClientAuth(ClientAuth.NEED);
		WebServer server = start(ssl);
		assertServed(server, clientKeys(), first.certificate(), "https client=CN=client");
	}

	@Test
	void updatedSslBundleIsServedOnEveryListener() {
		DefaultSslBundleRegistry bundles = new DefaultSslBundleRegistry("server", pemBundle(first));
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setSslBundles(bundles);
		factory.setSsl(Ssl.forBundle("server"));
		WebServer server = start(factory);
		assertServed(server, first.certificate(), "https client=none");
		bundles.updateBundle("server", pemBundle(second));
		assertServed(server, second.certificate(), "https client=none");
	}

	private Ssl testP12(String keyStore) {
		Ssl ssl = new Ssl();
		ssl.setKeyStore(keyStore);
		ssl.setKeyStorePassword(TEST_P12_PASSWORD);
		ssl.setKeyStoreType("PKCS12");
		return ssl;
	}

	private static X509Certificate testP12Certificate() throws Exception {
		KeyStore keyStore = KeyStore.getInstance("PKCS12");
		try (InputStream in = new ClassPathResource(TEST_P12).getInputStream()) {
			keyStore.load(in, TEST_P12_PASSWORD.toCharArray());
		}
		return (X509Certificate) keyStore.getCertificate("test");
	}

	private static Ssl serverSsl(String alias) {
		Ssl ssl = new Ssl();
		ssl.setKeyStore(serverKeyStore.toString());
		ssl.setKeyStorePassword(PASSWORD);
		ssl.setKeyStoreType("PKCS12");
		ssl.setKeyAlias(alias);
		return ssl;
	}

	private static Ssl authenticating(ClientAuth clientAuth) {
		Ssl ssl = serverSsl("first");
		ssl.setClientAuth(clientAuth);
		ssl.setTrustStore(clientKeyStore.toString());
		ssl.setTrustStorePassword(PASSWORD);
		ssl.setTrustStoreType("PKCS12");
		return ssl;
	}

	private static SslBundle pemBundle(GeneratedKey key) {
		return SslBundle
			.of(new PemSslStoreBundle(new PemSslStoreDetails(null, key.certificatePem(), key.privateKeyPem()), null));
	}

	private static Path write(String name, String content) throws IOException {
		return Files.writeString(directory.resolve(name), content);
	}

	private static KeyStore clientKeys() {
		try (InputStream in = Files.newInputStream(clientKeyStore)) {
			KeyStore keyStore = KeyStore.getInstance("PKCS12");
			keyStore.load(in, PASSWORD.toCharArray());
			return keyStore;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private WebServer start(Ssl ssl) {
		ReuseportNettyReactiveWebServerFactory factory = factory();
		factory.setSsl(ssl);
		return start(factory);
	}

	private WebServer start(ReuseportNettyReactiveWebServerFactory factory) {
		return this.servers.start(factory, answeringSchemeAndClient());
	}

	/**
	 * A handler that answers with the scheme of the request and the subject of the
	 * client's certificate.
	 */
	private HttpHandler answeringSchemeAndClient() {
		return (request, response) -> {
			this.requests.incrementAndGet();
			SslInfo sslInfo = request.getSslInfo();
			X509Certificate[] peer = (sslInfo != null) ? sslInfo.getPeerCertificates() : null;
			String client = (peer != null && peer.length > 0) ? peer[0].getSubjectX500Principal().getName() : "none";
			byte[] body = (request.getURI().getScheme() + " client=" + client).getBytes(StandardCharsets.UTF_8);
			response.getHeaders().setContentLength(body.length);
			return response.writeWith(Mono.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
		};
	}

	private static void assertServed(WebServer server, X509Certificate certificate, String body) {
		assertServed(server, null, certificate, body);
	}

	private static void assertServed(WebServer server, @Nullable KeyStore clientKeys, X509Certificate certificate,
			String body) {
		EveryListener.check(server, () -> {
			Optional<TlsAnswer> answer = tryGet(server.getPort(), clientKeys);
			assertThat(answer).as("answer").isPresent();
			assertThat(answer.get().served()).as("served certificate").isEqualTo(certificate);
			assertThat(answer.get().response().status()).isEqualTo(200);
			assertThat(answer.get().response().body()).isEqualTo(body);
		});
	}

	/**
	 * GET {@code /} over TLS on a new connection, trusting any server, with a context of
	 * its own so that no TLS session is resumed.
	 * @return the answer, or empty when the handshake or the exchange failed
	 */
	private static Optional<TlsAnswer> tryGet(int port, @Nullable KeyStore clientKeys) throws Exception {
		KeyManager[] keyManagers = null;
		if (clientKeys != null) {
			KeyManagerFactory keyManagerFactory = KeyManagerFactory
				.getInstance(KeyManagerFactory.getDefaultAlgorithm());
			keyManagerFactory.init(clientKeys, PASSWORD.toCharArray());
			keyManagers = keyManagerFactory.getKeyManagers();
		}
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(keyManagers, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
			socket.setSoTimeout((int) TIMEOUT.toMillis());
			socket.connect(new InetSocketAddress(RawHttp.HOST, port), (int) TIMEOUT.toMillis());
			SSLParameters parameters = socket.getSSLParameters();
			parameters.setServerNames(List.of(new SNIHostName("localhost")));
			socket.setSSLParameters(parameters);
			socket.startHandshake();
			X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
			RawHttp.send(socket, "/", true);
			byte[] response = socket.getInputStream().readAllBytes();
			return (response.length > 0) ? Optional.of(new TlsAnswer(served, Response.parse(response)))
					: Optional.empty();
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	/**
	 * What a TLS client got.
	 *
	 * @param served the certificate that the server presented
	 * @param response the response
	 */
	private record TlsAnswer(X509Certificate served, Response response) {

	}

	/**
	 * A self-signed key generated by the JDK's {@code keytool}, valid for two days, for
	 * {@code localhost} and {@code 127.0.0.1}.
	 *
	 * @param certificate the certificate
	 * @param certificatePem the certificate in PEM
	 * @param privateKeyPem the PKCS #8 private key in PEM
	 */
	private record GeneratedKey(X509Certificate certificate, String certificatePem, String privateKeyPem) {

		static GeneratedKey generate(Path keyStore, String alias, String distinguishedName) throws Exception {
			Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
			Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", alias, "-keyalg", "EC",
					"-groupname", "secp256r1", "-dname", distinguishedName, "-ext", "SAN=dns:localhost,ip:127.0.0.1",
					"-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
					"-keypass", PASSWORD)
				.redirectErrorStream(true)
				.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(process.waitFor(1, TimeUnit.MINUTES)).as("keytool exited").isTrue();
			assertThat(process.exitValue()).as("keytool exit status: %s", output).isZero();
			KeyStore store = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(keyStore)) {
				store.load(in, PASSWORD.toCharArray());
			}
			X509Certificate certificate = (X509Certificate) store.getCertificate(alias);
			PrivateKey privateKey = (PrivateKey) store.getKey(alias, PASSWORD.toCharArray());
			return new GeneratedKey(certificate, pem("CERTIFICATE", certificate.getEncoded()),
					pem("PRIVATE KEY", privateKey.getEncoded()));
		}

		private static String pem(String type, byte[] encoded) {
			String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(encoded);
			return "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n";
		}

	}

}
