package dev.reuseport.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * One line of the handover protocol, which the two processes of a handover speak over the
 * handover socket, a Unix domain socket. The new process asks, the old one offers, and
 * the descriptors travel only once the new process is ready to read them:
 *
 * <pre>
 * new → old   REQUEST &lt;pid&gt; &lt;address&gt; &lt;port&gt;
 * old → new   OFFER &lt;pid&gt; &lt;transport&gt; &lt;count&gt; &lt;index,…&gt;  or  REFUSED &lt;why&gt;
 * new → old   READY
 * old → new   &lt;count&gt; descriptors, one SCM_RIGHTS message each
 * new → old   ADOPTED &lt;count&gt;                    or  DECLINED &lt;why&gt;
 * old → new   RELEASED                             (its descriptors are closed)
 * </pre>
 *
 * The descriptors must not share a read with the text: a read without room for them would
 * drop them. So the new process reads them in Netty's
 * {@code DomainSocketReadMode.FILE_DESCRIPTORS} from {@code READY} until the last one.
 *
 * @param verb the first word
 * @param arguments the other words
 */
record HandoverLine(String verb, List<String> arguments) {

	static final String REQUEST = "REQUEST";

	static final String OFFER = "OFFER";

	static final String REFUSED = "REFUSED";

	static final String READY = "READY";

	static final String ADOPTED = "ADOPTED";

	static final String DECLINED = "DECLINED";

	static final String RELEASED = "RELEASED";

	/**
	 * The longest line either side sends.
	 */
	static final int MAX_LENGTH = 1024;

	/**
	 * Parse a line, without its line break.
	 * @param line the line
	 * @return the verb and its arguments
	 */
	static HandoverLine parse(String line) {
		String[] words = line.strip().split(" ", -1);
		return new HandoverLine(words[0], Arrays.asList(words).subList(1, words.length));
	}

	/**
	 * Write a line, with its line break.
	 * @param verb the verb
	 * @param arguments its arguments; the last one may hold spaces
	 * @return the line
	 */
	static String of(String verb, Object... arguments) {
		StringBuilder line = new StringBuilder(verb);
		for (Object argument : arguments) {
			line.append(' ').append(String.valueOf(argument).replace('\n', ' '));
		}
		return line.append('\n').toString();
	}

	/**
	 * Write the request for the listeners on an address.
	 * @param address the address and port
	 * @return the line
	 */
	static String request(InetSocketAddress address) {
		return of(REQUEST, ProcessHandle.current().pid(), address.getAddress().getHostAddress(), address.getPort());
	}

	/**
	 * Return whether the line has a verb.
	 * @param expected the verb
	 * @return whether it is the line's
	 */
	boolean is(String expected) {
		return this.verb.equals(expected);
	}

	/**
	 * Return the rest of the line from an argument on, such as the reason of a refusal.
	 * @param from the first argument
	 * @return the text
	 */
	String text(int from) {
		return (from < this.arguments.size()) ? String.join(" ", this.arguments.subList(from, this.arguments.size()))
				: "";
	}

	/**
	 * Return an argument.
	 * @param index the argument index
	 * @return the argument
	 * @throws IllegalArgumentException if it is missing
	 */
	String word(int index) {
		if (index >= this.arguments.size()) {
			throw new IllegalArgumentException("Malformed handover line: " + this);
		}
		return this.arguments.get(index);
	}

	/**
	 * Return an argument as a number.
	 * @param index the argument index
	 * @return the number
	 * @throws IllegalArgumentException if it is missing or no number
	 */
	long number(int index) {
		try {
			return Long.parseLong(this.arguments.get(index));
		}
		catch (IndexOutOfBoundsException | NumberFormatException ex) {
			throw new IllegalArgumentException("Malformed handover line: " + this, ex);
		}
	}

	/**
	 * Return the address of a {@code REQUEST}.
	 * @return the address and port asked for
	 * @throws IllegalArgumentException if the line is malformed
	 */
	InetSocketAddress address() {
		try {
			// A literal address: no name lookup
			return new InetSocketAddress(InetAddress.getByName(this.arguments.get(1)), (int) number(2));
		}
		catch (IndexOutOfBoundsException | UnknownHostException ex) {
			throw new IllegalArgumentException("Malformed handover line: " + this, ex);
		}
	}

	@Override
	public String toString() {
		return (this.verb + " " + String.join(" ", this.arguments)).strip();
	}

}
