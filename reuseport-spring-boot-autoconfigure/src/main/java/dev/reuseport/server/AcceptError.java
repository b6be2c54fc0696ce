package dev.reuseport.server;

import io.netty.channel.unix.Errors.NativeIoException;

/**
 * Why a listener's {@code accept} failed, as its {@code reuseport.listener.accept.errors}
 * counter tags it.
 *
 * @since 0.1.0
 */
public enum AcceptError {

	/**
	 * {@code EMFILE}: the process has as many descriptors open as its open-files limit
	 * ({@code ulimit -n}, systemd's {@code LimitNOFILE=}) allows.
	 */
	EMFILE("emfile"),

	/**
	 * {@code ENFILE}: the system has as many files open as {@code fs.file-max} allows.
	 */
	ENFILE("enfile"),

	/**
	 * Any other error.
	 */
	OTHER("other");

	// errno.h on Linux, negated as Netty's native code reports them
	private static final int ERRNO_EMFILE_NEGATIVE = -24;

	private static final int ERRNO_ENFILE_NEGATIVE = -23;

	private final String tag;

	AcceptError(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the value of the {@code error} tag.
	 * @return {@code emfile}, {@code enfile} or {@code other}
	 */
	public String tag() {
		return this.tag;
	}

	/**
	 * Return the error that an accept failure reports.
	 * @param failure the failure, as Netty's epoll or io_uring transport raises it
	 * @return the error
	 */
	static AcceptError of(Throwable failure) {
		if (failure instanceof NativeIoException nativeFailure) {
			return switch (nativeFailure.expectedErr()) {
				case ERRNO_EMFILE_NEGATIVE -> EMFILE;
				case ERRNO_ENFILE_NEGATIVE -> ENFILE;
				default -> OTHER;
			};
		}
		return OTHER;
	}

}
