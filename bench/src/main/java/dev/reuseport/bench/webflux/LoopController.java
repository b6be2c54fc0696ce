package dev.reuseport.bench.webflux;

import java.time.Duration;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The routes that the stalled-loop scenario drives, in the bench app only: a request that
 * names the event loop serving its connection, one that blocks that loop, and the loops
 * that hold the listening sockets. Annotated handlers that return a plain value run on
 * the event loop of the connection, so a client that keeps a connection open knows which
 * loop its later requests run on.
 */
@RestController
class LoopController {

	/**
	 * The longest block a request may ask for, so that a stray request cannot hang a
	 * server for long.
	 */
	static final Duration MAX_BLOCK = Duration.ofSeconds(10);

	private final ListenerLoops listenerLoops;

	LoopController(ListenerLoops listenerLoops) {
		this.listenerLoops = listenerLoops;
	}

	@GetMapping(path = "/thread", produces = MediaType.TEXT_PLAIN_VALUE)
	String thread() {
		return Thread.currentThread().getName();
	}

	/**
	 * Block the event loop that serves this connection: deliberately, to stand for a
	 * handler that blocks by mistake.
	 * @param ms how long to block, at most {@link #MAX_BLOCK}
	 * @return the name of the blocked loop
	 * @throws InterruptedException when the loop is shut down while blocked
	 */
	@GetMapping(path = "/block", produces = MediaType.TEXT_PLAIN_VALUE)
	String block(@RequestParam long ms) throws InterruptedException {
		if (ms < 0 || ms > MAX_BLOCK.toMillis()) {
			throw new IllegalArgumentException("ms must be in [0, " + MAX_BLOCK.toMillis() + "]: " + ms);
		}
		Thread.sleep(ms);
		return Thread.currentThread().getName();
	}

	/**
	 * Return the loops that hold a listening socket, one name per line: A has one, B one
	 * per listener.
	 * @return the thread names
	 */
	@GetMapping(path = "/listeners", produces = MediaType.TEXT_PLAIN_VALUE)
	String listeners() {
		return String.join("\n", this.listenerLoops.names()) + "\n";
	}

}
