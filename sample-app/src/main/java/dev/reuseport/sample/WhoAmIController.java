package dev.reuseport.sample;

import com.sun.security.auth.module.UnixSystem;
import dev.reuseport.server.ReuseportRequests;

import org.springframework.aot.hint.annotation.RegisterReflectionForBinding;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers with the process's group id and process id, and with the listener and event
 * loop that served the request, so that the spread of connections is visible from a
 * client. The answer is plain text unless the client asks for JSON by name.
 */
@RestController
class WhoAmIController {

	private static final long GID = new UnixSystem().getGid();

	private static final long PID = ProcessHandle.current().pid();

	// ResponseEntity<?> hides the JSON body's type from AOT processing, which a native
	// image needs to serialize it
	@GetMapping("/")
	@RegisterReflectionForBinding(WhoAmI.class)
	ResponseEntity<?> whoAmI(ServerHttpRequest request) {
		// The handler runs on the event loop that serves the connection
		int listener = ReuseportRequests.listenerIndex(request).orElse(-1);
		WhoAmI whoAmI = new WhoAmI(GID, PID, listener, Thread.currentThread().getName());
		if (asksForJson(request)) {
			return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(whoAmI);
		}
		return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(whoAmI.toString());
	}

	/**
	 * Whether the client named JSON in its Accept header; curl's default
	 * {@code Accept: *}{@code /*} gets plain text.
	 */
	private boolean asksForJson(ServerHttpRequest request) {
		return request.getHeaders()
			.getAccept()
			.stream()
			.anyMatch((type) -> !type.isWildcardType() && type.isCompatibleWith(MediaType.APPLICATION_JSON));
	}

	/**
	 * What the sample answers.
	 *
	 * @param gid the real group id of the process
	 * @param pid the process id
	 * @param listener the index of the listener that accepted the connection, or -1 when
	 * the server has no reuseport listeners
	 * @param loop the name of the event loop thread that served the request
	 */
	record WhoAmI(long gid, long pid, int listener, String loop) {

		@Override
		public String toString() {
			return "gid: %d, pid: %d, listener: %d, loop: %s".formatted(this.gid, this.pid, this.listener, this.loop);
		}

	}

}
