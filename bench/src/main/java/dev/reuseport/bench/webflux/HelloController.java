package dev.reuseport.bench.webflux;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The handler that every benchmarked server implements: {@code GET /} answers
 * {@value #BODY} as {@code text/plain}.
 */
@RestController
class HelloController {

	static final String BODY = "Hello, World!";

	@GetMapping(path = "/", produces = MediaType.TEXT_PLAIN_VALUE)
	String hello() {
		return BODY;
	}

}
