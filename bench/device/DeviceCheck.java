import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

import io.netty.channel.epoll.Epoll;

/**
 * Checks, on the machine that will run the benchmark, the two things that the servers under
 * test rely on and that a sandboxed kernel may lack: Netty's native epoll transport, and two
 * listeners sharing one port on 127.0.0.1 with {@code SO_REUSEPORT}. Without epoll the
 * servers would quietly fall back to NIO and the figures would not compare. Prints one
 * {@code key=value} line per check and exits with 1 when one fails.
 *
 * <p>
 * {@code bench/device/bundle.sh} compiles it into the bundle, {@code bench/device/run.sh} runs
 * it before the benchmark.
 */
final class DeviceCheck {

	private DeviceCheck() {
	}

	public static void main(String[] args) throws Exception {
		boolean ok = true;
		System.out.println("processors=" + Runtime.getRuntime().availableProcessors());
		if (Epoll.isAvailable()) {
			System.out.println("epoll=available");
		}
		else {
			System.out.println("epoll=unavailable: " + Epoll.unavailabilityCause());
			ok = false;
		}
		try (ServerSocketChannel first = ServerSocketChannel.open();
				ServerSocketChannel second = ServerSocketChannel.open()) {
			first.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			first.bind(new InetSocketAddress("127.0.0.1", 0));
			second.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			// binding a second socket to the same port fails unless the kernel honours the option
			second.bind(first.getLocalAddress());
			System.out.println("reuseport=ok (two listeners on " + first.getLocalAddress() + ")");
		}
		catch (Exception ex) {
			System.out.println("reuseport=failed: " + ex);
			ok = false;
		}
		System.exit(ok ? 0 : 1);
	}

}
