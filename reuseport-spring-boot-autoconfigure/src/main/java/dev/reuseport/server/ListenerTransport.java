package dev.reuseport.server;

import java.util.concurrent.ThreadFactory;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

import org.springframework.util.Assert;

/**
 * The native transport of a server's SO_REUSEPORT listeners: it creates each listener's
 * event loop and runs the listener and its connections on it.
 * <p>
 * Netty's io_uring classes are touched only by {@link #IO_URING}, so that {@link #EPOLL}
 * works without them on the classpath.
 *
 * @since 0.1.0
 */
public enum ListenerTransport {

	/**
	 * Netty's native epoll transport ({@code netty-transport-native-epoll}).
	 */
	EPOLL("epoll"),

	/**
	 * Netty 4.2's native io_uring transport ({@code netty-transport-native-io_uring}), on
	 * Linux 5.9 or later where io_uring is not disabled.
	 */
	IO_URING("io_uring");

	private final String id;

	ListenerTransport(String id) {
		this.id = id;
	}

	/**
	 * Return the name of the transport as the endpoint, the startup log and the
	 * {@code reuseport.transport} property spell it.
	 * @return {@code epoll} or {@code io_uring}
	 */
	public String id() {
		return this.id;
	}

	/**
	 * Create a group of one event loop of this transport that counts its iterations.
	 * @param threadFactory the factory of the loop's thread
	 * @param iterations the count of the loop's iterations
	 * @return the group, whose only loop is the group's {@code next()}
	 */
	IoEventLoopGroup newLoop(ThreadFactory threadFactory, LoopIterations iterations) {
		return new MultiThreadIoEventLoopGroup(1, threadFactory, iterations.counting(ioHandlerFactory()));
	}

	private IoHandlerFactory ioHandlerFactory() {
		return (this == IO_URING) ? IoUringLoopResources.ioHandlerFactory() : EpollIoHandler.newFactory();
	}

	/**
	 * Return the loop resources of a listener that binds its socket (see
	 * {@link #loopResources(EventLoop, EventLoopGroup, AdoptedSocket)}).
	 * @param select the listener's loop, created by {@link #newLoop}
	 * @param children the group that registers each accepted connection
	 * @return the loop resources
	 */
	LoopResources loopResources(EventLoop select, EventLoopGroup children) {
		return loopResources(select, children, null);
	}

	/**
	 * Return the loop resources of a listener: its listening socket on {@code select},
	 * each of its connections on the loop that {@code children} chooses.
	 * @param select the listener's loop, created by {@link #newLoop}
	 * @param children the group that registers each accepted connection
	 * @param adopted the listening socket to adopt rather than bind, or {@code null}
	 * @return the loop resources
	 */
	LoopResources loopResources(EventLoop select, EventLoopGroup children, @Nullable AdoptedSocket adopted) {
		// Reactor Netty chooses the epoll channel classes for an epoll loop itself; it
		// knows no Netty 4.2 io_uring channel, so that transport names its own.
		if (this == IO_URING) {
			// Netty's io_uring channel cannot wrap a descriptor (no public constructor)
			Assert.state(adopted == null, "io_uring listeners cannot adopt a socket");
			return IoUringLoopResources.of(select, children);
		}
		return new ListenerLoopResources(select, children, adopted);
	}

	/**
	 * Return whether listeners of this transport can adopt a socket that is already
	 * listening, handed over by another process or passed by systemd.
	 * @return whether sockets can be adopted
	 */
	boolean canAdopt() {
		return this == EPOLL;
	}

	@Override
	public String toString() {
		return this.id;
	}

}
