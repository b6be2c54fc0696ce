/**
 * A Reactor Netty web server that binds one SO_REUSEPORT listener per event loop, on
 * epoll or io_uring. One flat package, as Netty keeps its transports, so that the
 * internal types stay package-private; this comment is its map.
 *
 * <h2>Concerns, and the entry class of each</h2>
 * <ul>
 * <li><b>Entry points and lifecycle.</b> {@link ReuseportNettyReactiveWebServerFactory}
 * builds the {@code HttpServer} as Spring Boot does and creates a
 * {@link ReuseportWebServer}, which starts and stops a {@code ReuseportGroup}: the one
 * owner of the listeners and, for each start, of the balancer of their loops.
 * {@code StartupLog} says what the kernel settings ({@link KernelSettings}) mean for the
 * server; {@code ServerAwaitThread} keeps the JVM alive as Boot's servers do.</li>
 * <li><b>Listeners and binding.</b> {@link ReuseportListener} is the public view of one
 * listener; its {@code ListenerSocket} is the bound socket, its
 * {@code ListenerConnections} count what it accepts, and {@code ListenerSocketInfo} reads
 * its {@link AcceptQueue} from the kernel. A port that already has listeners fails the
 * start with a {@link ReuseportPortInUseException} unless the server joins them
 * ({@code PortListeners} finds them and their processes in {@code /proc}); a bind that
 * another process refuses becomes a {@link ReuseportBindException}. A failure analyzer
 * explains each.</li>
 * <li><b>Failed accepts.</b> Each listener's {@code AcceptFailures} counts a failed
 * {@code accept} by {@link AcceptError}, stops accepting for a moment and reports it to
 * the server's {@code AcceptFailureLog}, which names the {@link OpenFiles} and the fix.
 * {@code IoUringAcceptMode} makes io_uring accepts single-shot, so that the pause
 * holds.</li>
 * <li><b>Loops and transport.</b> {@code ListenerLoop} creates a listener's loop and the
 * {@code ConnectionDrain} of the connections served on it, on each start;
 * {@link ListenerTransport} makes epoll or io_uring loops ({@code LoopIterations} counts
 * their iterations) and the loop resources that put a listener and its connections on
 * them ({@code ListenerLoopResources}, {@code IoUringLoopResources}).
 * {@link CurrentListenerLoop} lets the starter's HTTP clients find the loop of the
 * current thread.</li>
 * <li><b>Balancing.</b> {@code LoopBalancer} registers each accepted connection on its
 * listener's loop, or hands it to the least-loaded loop beyond the margin of
 * {@link ConnectionBalancing}. It knows loops by index and reads accept queues through a
 * function, never a listener.</li>
 * <li><b>Stall relief.</b> {@code StallWatchdog} is a thread that samples every loop
 * ({@code LoopHeartbeat}, {@code LoopIterations}, CPU time), asks the pure
 * {@code StallDetector} for verdicts, and applies them: it records and logs a stall
 * ({@code ListenerStalls}, {@link StallReport}, {@code BlockedLoopLog}) and has the group
 * withdraw a listener from the port and let it rejoin ({@code ListenerWithdrawal}).
 * {@link StallReliefSettings} configure it; {@link StallReliefStatus} says whether
 * withdrawals are possible here.</li>
 * <li><b>Drain and shutdown.</b> {@code GracefulShutdown} drains every listener at once
 * through the group; each loop's {@code ConnectionDrain} closes its connections without
 * racing their clients, with {@code KeepAliveDrainHandler} on the connections that are
 * still open.</li>
 * </ul>
 *
 * <h2>Which thread writes what</h2>
 * <ul>
 * <li>The thread that starts and stops the server, under the server's monitor: the
 * group's balancer, each listener's socket and loop.</li>
 * <li>Each listener's loop: its accepts and its choices of loop ({@code LoopBalancer}
 * reads and writes its own hand-off state only), and everything of the connections served
 * on it, their drain included. The per-loop open-connection counts are atomic, since
 * every loop registers connections on the others.</li>
 * <li>The watchdog thread: the detector's state, the stall records, the balancer's
 * stalled and withdrawn marks, and the {@code shutdown(2)} that withdraws a listener. A
 * rejoin's {@code listen(2)} runs on the listener's own loop.</li>
 * </ul>
 *
 * <h2>Sequences</h2>
 * <ol>
 * <li><b>Start.</b> Start every listener's loop, create the balancer of the loops, bind
 * listener 0 on the configured port and the others on the port it got (with port 0,
 * listener 0 binds again by number, so that a withdrawal keeps it); read the kernel
 * settings, decide the stall relief status, start the watchdog, log the start. Before any
 * of it, fail if the configured address and port already have listeners, unless the
 * server joins them.</li>
 * <li><b>Graceful shutdown.</b> Stop the watchdog, so that nothing is withdrawn or
 * rejoins; warn if another process listens on the port and the kernel will reset the
 * queued connections; mark every loop closed in the balancer; on each loop, close the
 * listening socket and start its drain; report {@code IDLE} once every connection is
 * closed.</li>
 * <li><b>Stop.</b> Stop the watchdog; cut a graceful shutdown still waiting short
 * ({@code REQUESTS_ACTIVE}); mark every loop closed in the balancer; dispose every
 * listening socket in parallel, each waiting for its requests in flight; on each loop,
 * close what is left and run its before-shutdown tasks; shut every loop down within one
 * timeout.</li>
 * </ol>
 */
@NullMarked
package dev.reuseport.server;

import org.jspecify.annotations.NullMarked;
