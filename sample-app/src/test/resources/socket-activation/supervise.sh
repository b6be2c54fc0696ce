#!/usr/bin/env bash
# Stands in for systemd's service manager in the socket-activation tests.
#
# systemd-socket-activate (or systemd) execs this script with the listening sockets from
# descriptor 3 on, as LISTEN_FDS says. The script runs the command with them, with
# LISTEN_PID set to the command's own process id as sd_listen_fds(3) expects; restarts the
# command on SIGHUP as `systemctl restart` does: SIGTERM, wait until it has exited, start it
# again; and stops it on SIGTERM. The sockets stay open in this process all along, so new
# connections wait in their queues while the command is down.
#
# Each start and stop is appended to the file that SUPERVISOR_EVENTS names:
# "started PID", "stopped PID", "exited PID STATUS".
set -u
events="${SUPERVISOR_EVENTS:?SUPERVISOR_EVENTS must name the events file}"
child=""

start() {
	# The subshell's own id, which exec keeps for the command
	(
		export LISTEN_PID="$BASHPID"
		exec "$@"
	) &
	child=$!
	echo "started $child" >>"$events"
}

stop() {
	kill -TERM "$child" 2>/dev/null
	# wait returns early when a signal arrives: wait until the process has gone
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
	done
	echo "stopped $child" >>"$events"
}

restart=0
trap 'restart=1' HUP
trap 'stop; exit 0' TERM INT

start "$@"
while :; do
	wait "$child"
	status=$?
	if [ "$restart" = 1 ]; then
		restart=0
		stop
		start "$@"
	elif ! kill -0 "$child" 2>/dev/null; then
		echo "exited $child $status" >>"$events"
		exit "$status"
	fi
done
