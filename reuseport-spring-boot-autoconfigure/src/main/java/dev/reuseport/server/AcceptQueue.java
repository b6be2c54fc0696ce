package dev.reuseport.server;

/**
 * The accept queue of a listening socket, as the kernel reports it in {@code TCP_INFO}:
 * the same numbers that {@code ss -ltn} shows as Recv-Q and Send-Q.
 *
 * @param length the connections that completed the handshake and wait to be accepted
 * @param limit the backlog: how many may wait before the kernel drops new handshakes
 * @since 0.1.0
 */
public record AcceptQueue(int length, int limit) {
}
