#!/usr/bin/env bash
# Replace a running sample-app process by a new one on the same port without refusing a
# connection: start the new process, wait until it reports UP on its own management port,
# then send the old one SIGTERM and wait for it to exit (see docs/zero-downtime-restarts.md).
#
# Both processes get the same handover socket (reuseport.handover.socket): the new one
# asks the old one for its listening sockets and accepts on the very same sockets, so no
# accept queue is ever closed, whatever net.ipv4.tcp_migrate_req says; the old one stops
# accepting, drains its connections and exits by itself. Where the transport cannot adopt
# sockets (io_uring), or the old process offers none, the new one joins the port through
# SO_REUSEPORT instead, and the old one's graceful shutdown drains it on SIGTERM.
#
# Usage: rolling-restart.sh [--old PID] [--] [APPLICATION_ARGUMENT...]
#   --old PID              the process to replace; leave it out to start the first one
#   APPLICATION_ARGUMENT   passed to the new process, for example --server.port=8080
#
# The new process gets --management.server.port=0 (an ephemeral port of its own) unless an
# argument sets management.server.port: processes that share the application port must not
# share the management port, or a scrape or a health check would reach either of them.
#
# Environment:
#   SAMPLE_JAR       the executable jar (default: sample-app/target/sample-app-*.jar)
#   JAVA             the java command (default: $JAVA_HOME/bin/java, else java)
#   JAVA_OPTS        options for the new JVM
#   MANAGEMENT_HOST  where the management server answers (default: 127.0.0.1)
#   LOG_DIR          where the new process writes its output (default: sample-app/target/rolling-restart)
#   START_TIMEOUT    seconds to wait for the new process to report UP (default: 90)
#   STOP_TIMEOUT     seconds to wait for the old process to exit (default: 60)
#   HANDOVER_SOCKET  the handover socket of both processes (default: LOG_DIR/handover.sock);
#                    empty to hand over by joining the port only
#
# Prints "started pid=<pid> management-port=<port> log=<file>", then, with --old,
# "handover=sockets" or "handover=joined" and "stopped pid=<pid>". When the new process does not come up, it is stopped, the old one keeps
# running, and the script exits with 1.
set -euo pipefail

script_dir="$(cd "$(dirname "$0")" && pwd)"
old_pid=""
if [ "${1:-}" = "--old" ]; then
	old_pid="${2:?--old needs a process id}"
	shift 2
fi
if [ "${1:-}" = "--" ]; then
	shift
fi

jar="${SAMPLE_JAR:-$(ls -t "$script_dir"/../target/sample-app-*.jar 2>/dev/null | head -n 1)}"
java="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
management_host="${MANAGEMENT_HOST:-127.0.0.1}"
log_dir="${LOG_DIR:-$script_dir/../target/rolling-restart}"
start_timeout="${START_TIMEOUT:-90}"
stop_timeout="${STOP_TIMEOUT:-60}"
handover_socket="${HANDOVER_SOCKET-$log_dir/handover.sock}"

fail() {
	echo "rolling-restart: $*" >&2
	exit 1
}

[ -f "$jar" ] || fail "no executable jar; build it with ./mvnw -pl sample-app -am package, or set SAMPLE_JAR"
if [ -n "$old_pid" ] && ! kill -0 "$old_pid" 2>/dev/null; then
	fail "process $old_pid is not running"
fi

arguments=("$@")
case " ${arguments[*]} " in
	*" --management.server.port="*) ;;
	*) arguments+=("--management.server.port=0") ;;
esac
if [ -n "$handover_socket" ]; then
	case " ${arguments[*]} " in
		*" --reuseport.handover.socket="*) ;;
		*) arguments+=("--reuseport.handover.socket=$(realpath -m "$handover_socket")") ;;
	esac
fi
# Taking over from a running process that offers no sockets: the new one joins the listeners
# already on the port, which the starter refuses unless asked, so that no forgotten process
# joins by accident
if [ -n "$old_pid" ]; then
	case " ${arguments[*]} " in
		*" --reuseport.join-existing="*) ;;
		*) arguments+=("--reuseport.join-existing=true") ;;
	esac
fi

mkdir -p "$log_dir"
log="$log_dir/sample-app-$(date +%Y%m%dT%H%M%S%N).log"
# A session of its own: the new process outlives this script and its terminal
# shellcheck disable=SC2086
setsid "$java" ${JAVA_OPTS:-} -jar "$jar" "${arguments[@]}" >"$log" 2>&1 </dev/null &
new_pid=$!

# Both servers log Spring Boot's "Netty started on port N (http)"; the management server's
# port is the one that is not the listeners' port, which the starter's details line names
management_port() {
	local served
	served="$(sed -n 's/.* SO_REUSEPORT [a-z_]* listeners on port \([0-9][0-9]*\),.*/\1/p' "$log" | head -n 1)"
	[ -n "$served" ] || return 0
	sed -n 's/.*Netty started on port \([0-9][0-9]*\) (https\{0,1\})$/\1/p' "$log" | { grep -vx "$served" || true; } | head -n 1
}

is_up() {
	curl --silent --fail --max-time 2 "http://$management_host:$1/actuator/health" 2>/dev/null | grep -q '"status":"UP"'
}

deadline=$((SECONDS + start_timeout))
port=""
until [ -n "$port" ] && is_up "$port"; do
	if ! kill -0 "$new_pid" 2>/dev/null; then
		tail -n 40 "$log" >&2
		fail "the new process $new_pid exited before it was up; see $log"
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		kill -TERM "$new_pid" 2>/dev/null || true
		fail "the new process $new_pid was not up within ${start_timeout}s; stopped it; see $log"
	fi
	sleep 0.2
	port="$(management_port)"
done
echo "started pid=$new_pid management-port=$port log=$log"

if [ -n "$old_pid" ]; then
	if grep -q " SO_REUSEPORT listeners on .* from process $old_pid over the handover socket" "$log"; then
		echo "handover=sockets"
	else
		echo "handover=joined"
	fi
	# Having handed its sockets over, the old process is already draining and exits by
	# itself; SIGTERM, which a joined one needs, changes nothing then
	kill -TERM "$old_pid" 2>/dev/null || true
	if ! timeout "$stop_timeout" tail --pid="$old_pid" -s 0.1 -f /dev/null; then
		fail "process $old_pid did not exit within ${stop_timeout}s of SIGTERM"
	fi
	echo "stopped pid=$old_pid"
fi
