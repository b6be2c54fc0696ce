package dev.reuseport.server;

import org.jspecify.annotations.Nullable;

/**
 * The steering of a server's listeners: the one asked for, the one in force, and why they
 * differ.
 *
 * @param requested the steering that the server was configured with
 * @param inForce the steering in force since the server's last start
 * @param reason why {@code cpu} steering is not in force, with the fix; {@code null} when
 * the requested steering is
 * @since 0.1.0
 */
public record SteeringStatus(ListenerSteering requested, ListenerSteering inForce, @Nullable String reason) {

	/**
	 * Return the status of a server that steers as it was asked to.
	 * @param steering the steering
	 * @return the status
	 */
	static SteeringStatus asRequested(ListenerSteering steering) {
		return new SteeringStatus(steering, steering, null);
	}

	/**
	 * Return the status of a server that was asked to steer by CPU and steers by hash.
	 * @param reason why, with the fix
	 * @return the status
	 */
	static SteeringStatus refused(String reason) {
		return new SteeringStatus(ListenerSteering.CPU, ListenerSteering.HASH, reason);
	}

	/**
	 * Describe the steering for the startup log.
	 * @return for example {@code by hash}
	 */
	String describe() {
		return "by " + this.inForce.id()
				+ ((this.reason != null) ? " (cpu steering refused: " + this.reason + ")" : "");
	}

}
