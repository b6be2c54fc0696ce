#!/usr/bin/env bash
# Benchmark of the reuseport starter against default WebFlux, raw Netty and nginx.
#
#   bench/run.sh            full run: 3 rounds of A B B0 C D, under 10 minutes
#   bench/run.sh --quick    smoke run: 1 round with short steps, under 2 minutes
#   bench/run.sh --help     all options
#
# Everything listens on 127.0.0.1. Every load step runs under `timeout`, the run stops
# starting servers when its time budget is spent, and the script stops only the
# processes that it started, by PID. See bench/README.md.
set -euo pipefail

ARGS=("$@")
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$BENCH_DIR")
NPROC=$(nproc)

MODE=full
ROUNDS=3
WARMUP=4
KEEPALIVE=6
CHURN=6
BURST=20000
BURST_TIMEOUT=30
BUDGET=570
LOOPS=$((NPROC > 4 ? NPROC : 4))
WRK_CONNECTIONS=64
WRK_THREADS=$((NPROC < 4 ? NPROC : 4))
BASE_PORT=18080
PIN=
BUILD=auto
SERVERS="A B B0 C D"
NETNS=auto
OUT=
STARTUP_TIMEOUT=60

usage() {
	cat <<'EOF'
Usage: bench/run.sh [options]

  --quick                 1 round, 1 s warm-ups, 2 s steps, 2,000-connection burst,
                          110 s budget; writes bench/results/quick.md
  --rounds N              rounds of A B B0 C D (default 3)
  --loops N               event loops / nginx workers per server
                          (default: Reactor Netty's, max(nproc, 4))
  --warmup-seconds N      keep-alive warm-up (default 4); the churn warm-up is half of it
  --keepalive-seconds N   keep-alive step (default 6)
  --churn-seconds N       Connection: close step (default 6)
  --burst-connections N   connections in the burst (default 20000)
  --wrk-threads N         wrk threads (default min(nproc, 4)); wrk uses 64 connections
  --pin S:C               pin the servers to CPUs S and wrk and the burst client to CPUs C
                          with taskset, e.g. --pin 0:1 (default: no pinning)
  --servers "A B ..."     servers to run, in this order (default "A B B0 C D")
  --port N                first port to try (default 18080); each server gets a fresh one
  --budget-seconds N      stop starting servers after this (default 570, quick 110)
  --build                 always build the starter and bench (default: only when their
                          sources are newer than the last build by this script)
  --no-build              never build; use the previous build
  --netns / --no-netns    run the servers and the load in a private network namespace
                          (unshare -n), so that ListenOverflows, ports and TIME_WAIT belong
                          to this benchmark alone (default: when root and unshare allow it)
  --out FILE              report file (default bench/results/latest.md)
EOF
}

while (($# > 0)); do
	case "$1" in
	--quick)
		MODE=quick ROUNDS=1 WARMUP=1 KEEPALIVE=2 CHURN=2 BURST=2000 BURST_TIMEOUT=10 BUDGET=110
		STARTUP_TIMEOUT=30
		;;
	--rounds) ROUNDS=$2 && shift ;;
	--loops) LOOPS=$2 && shift ;;
	--warmup-seconds) WARMUP=$2 && shift ;;
	--keepalive-seconds) KEEPALIVE=$2 && shift ;;
	--churn-seconds) CHURN=$2 && shift ;;
	--burst-connections) BURST=$2 && shift ;;
	--wrk-threads) WRK_THREADS=$2 && shift ;;
	--pin) PIN=$2 && shift ;;
	--servers) SERVERS=$2 && shift ;;
	--port) BASE_PORT=$2 && shift ;;
	--budget-seconds) BUDGET=$2 && shift ;;
	--build) BUILD=always ;;
	--no-build) BUILD=never ;;
	--netns) NETNS=on ;;
	--no-netns) NETNS=off ;;
	--out) OUT=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) echo "Unknown option: $1" >&2 && usage >&2 && exit 2 ;;
	esac
	shift
done
for server in $SERVERS; do
	[[ $server =~ ^(A|B|B0|C|D)$ ]] || { echo "Unknown server '$server': use A, B, B0, C and D" >&2 && exit 2; }
done
for value in "$ROUNDS" "$LOOPS" "$WARMUP" "$KEEPALIVE" "$CHURN" "$BURST" "$WRK_THREADS" "$BASE_PORT" "$BUDGET"; do
	[[ $value =~ ^[1-9][0-9]*$ ]] || { echo "Not a positive number: '$value'" >&2 && exit 2; }
done
CHURN_WARMUP=$(((WARMUP + 1) / 2))
if [[ -z "$OUT" ]]; then
	if [[ $MODE == quick ]]; then OUT=$BENCH_DIR/results/quick.md; else OUT=$BENCH_DIR/results/latest.md; fi
fi

START_EPOCH=${REUSEPORT_BENCH_START:-$(date +%s)}
DEADLINE=$((START_EPOCH + BUDGET))
log() { printf '[bench %4ss] %s\n' "$(($(date +%s) - START_EPOCH))" "$*" >&2; }
die() { log "ERROR: $*" && exit 1; }

# ---------------------------------------------------------------------------------------
# Processes: everything this script starts is recorded here and stopped by PID.
# ---------------------------------------------------------------------------------------
SERVER_PID=
LOAD_PID=
WORK_DIR=

stop_pid() { # PID [seconds]: TERM, then KILL after the grace period
	local pid=$1 grace=${2:-10} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "PID $pid did not stop in ${grace}s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

stop_server() {
	[[ -n "$SERVER_PID" ]] || return 0
	local workers
	# nginx's workers are children of the master we started: stop them by PID too,
	# in case the master has to be killed
	workers=$(pgrep -P "$SERVER_PID" 2>/dev/null || true)
	stop_pid "$SERVER_PID" 10
	for pid in $workers; do stop_pid "$pid" 2; done
	SERVER_PID=
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$LOAD_PID" ]]; then stop_pid "$LOAD_PID" 2; fi
	stop_server
	if [[ -n "$WORK_DIR" ]]; then rm -rf "$WORK_DIR"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# run_bounded SECONDS OUTFILE COMMAND...: run a load step in the background (so that a
# signal reaches the trap at once) under a hard time limit
run_bounded() {
	local limit=$1 out=$2 rc=0
	shift 2
	timeout -k 5 "$limit" "$@" >"$out" 2>&1 &
	LOAD_PID=$!
	wait "$LOAD_PID" || rc=$?
	LOAD_PID=
	if ((rc != 0)); then
		log "step '$*' ended with status $rc (124: hit its ${limit}s limit); see $out"
	fi
	return 0
}

# ---------------------------------------------------------------------------------------
# Tools and build
# ---------------------------------------------------------------------------------------
export PATH=$PATH:/usr/sbin:/sbin
ensure_tools() {
	local missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || missing+=(nginx)
	command -v curl >/dev/null || missing+=(curl)
	if ((${#missing[@]} > 0)); then
		if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			log "installing ${missing[*]} with apt-get"
			apt-get update -qq >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
		else
			die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) and run again"
		fi
	fi
	command -v java >/dev/null || die "java (17 or later) is not on the PATH"
	command -v taskset >/dev/null || [[ -z "$PIN" ]] || die "--pin needs taskset (util-linux)"
}
ensure_tools

# The starter is installed into the local Maven repository, because bench/pom.xml is not
# part of the root reactor, and the bench build copies its jars into bench/target/starter.
# Each build leaves a stamp, so that an unchanged tree is not built again.
STARTER_STAMP=$BENCH_DIR/target/.starter-installed
BENCH_STAMP=$BENCH_DIR/target/.bench-built
changed_since() { # STAMP PATH...: whether STAMP is missing or a file under PATH is newer
	local stamp=$1 paths=() path
	shift
	[[ -e "$stamp" ]] || return 0
	for path in "$@"; do [[ -e "$path" ]] && paths+=("$path"); done
	[[ -n "$(find "${paths[@]}" -type f -newer "$stamp" -print -quit 2>/dev/null)" ]]
}
STARTER_SOURCES=("$ROOT_DIR/pom.xml" "$ROOT_DIR"/reuseport-spring-boot-autoconfigure/{pom.xml,src}
	"$ROOT_DIR"/reuseport-spring-boot-starter/{pom.xml,src})
if [[ $BUILD == always ]] || { [[ $BUILD == auto ]] && changed_since "$STARTER_STAMP" "${STARTER_SOURCES[@]}"; }; then
	log "building the starter: ./mvnw -q install -DskipTests -pl reuseport-spring-boot-starter -am"
	(cd "$ROOT_DIR" && ./mvnw -q -B install -DskipTests -pl reuseport-spring-boot-starter -am) >&2
	mkdir -p "$BENCH_DIR/target" && touch "$STARTER_STAMP"
	rm -f "$BENCH_STAMP"
fi
if [[ $BUILD == always ]] || { [[ $BUILD == auto ]] && changed_since "$BENCH_STAMP" "$BENCH_DIR/pom.xml" \
	"$BENCH_DIR/src/main"; }; then
	log "building the bench: ./mvnw -q -f bench/pom.xml package -DskipTests"
	(cd "$ROOT_DIR" && ./mvnw -q -B -f bench/pom.xml package -DskipTests) >&2
	touch "$BENCH_STAMP"
fi
[[ -f "$BENCH_DIR/target/classpath.txt" ]] || die "bench is not built: run without --no-build"
CP=$BENCH_DIR/target/classes:$BENCH_DIR/target/starter/*:$(cat "$BENCH_DIR/target/classpath.txt")

# ---------------------------------------------------------------------------------------
# Network namespace: once built, the script runs itself again inside `unshare -n`, where
# 127.0.0.1, the ports and the /proc/net/netstat counters are this benchmark's alone.
# ---------------------------------------------------------------------------------------
NETNS_DESC="the host's (ListenOverflows and ListenDrops may include other programs)"
if [[ -n "${REUSEPORT_BENCH_NETNS:-}" ]]; then
	NETNS_DESC="private (unshare -n): the TcpExt counters, ports and TIME_WAIT sockets are this run's alone"
elif [[ $NETNS != off ]]; then
	if unshare -n true 2>/dev/null && command -v ip >/dev/null; then
		log "continuing in a private network namespace (unshare -n; --no-netns to stay in the host's)"
		trap - EXIT INT TERM
		exec env REUSEPORT_BENCH_NETNS=1 "REUSEPORT_BENCH_START=$START_EPOCH" unshare -n -- \
			bash -c 'ip link set lo up && exec "$@"' bash "$BENCH_DIR/run.sh" "${ARGS[@]}" --no-build
	elif [[ $NETNS == on ]]; then
		die "--netns needs unshare -n (root) and ip (iproute2)"
	else
		log "no private network namespace (needs root, unshare and ip): using the host's"
	fi
fi
WORK_DIR=$(mktemp -d /tmp/reuseport-bench.XXXXXX)

# File descriptors: the burst holds thousands of sockets open in the client and server
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
[[ "$NOFILE" == unlimited ]] && NOFILE=1048576
MAX_OPEN=$((NOFILE - 2048 < BURST ? NOFILE - 2048 : BURST))
((MAX_OPEN > 0)) || die "the file descriptor limit ($NOFILE) is too low for the burst"
SOMAXCONN=$(sysctl -n net.core.somaxconn 2>/dev/null || cat /proc/sys/net/core/somaxconn)

SERVER_CPUS= CLIENT_CPUS= PIN_DESC="none (taskset not used)"
if [[ -n "$PIN" ]]; then
	SERVER_CPUS=${PIN%%:*} CLIENT_CPUS=${PIN##*:}
	PIN_DESC="servers on CPUs $SERVER_CPUS, wrk and the burst client on CPUs $CLIENT_CPUS (taskset -c)"
fi
# Command prefixes rather than functions, so that $! is the server's own PID
ON_SERVER_CPUS=() ON_CLIENT_CPUS=()
[[ -z "$SERVER_CPUS" ]] || ON_SERVER_CPUS=(taskset -c "$SERVER_CPUS")
[[ -z "$CLIENT_CPUS" ]] || ON_CLIENT_CPUS=(taskset -c "$CLIENT_CPUS")

# ---------------------------------------------------------------------------------------
# The run's raw directory, its metadata and its commands
# ---------------------------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW=$BENCH_DIR/results/raw/$STAMP-$MODE
mkdir -p "$RAW"
JVM_OPTS=(-Xms512m -Xmx512m "-Dreactor.netty.ioWorkerCount=$LOOPS")
CLIENT_JVM_OPTS=(-Xms256m -Xmx256m)
APP=dev.reuseport.bench.webflux.BenchApplication
GIT_DESC=$(git -C "$ROOT_DIR" describe --always --dirty 2>/dev/null || echo unknown)

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "mode=$MODE"
	echo "rounds.planned=$ROUNDS"
	echo "servers=$SERVERS"
	echo "loops=$LOOPS"
	echo "nproc=$NPROC"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "kernel=$(uname -r)"
	echo "memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "pin=$PIN_DESC"
	echo "netns=$NETNS_DESC"
	echo "somaxconn=$SOMAXCONN"
	echo "tcp_max_syn_backlog=$(sysctl -n net.ipv4.tcp_max_syn_backlog 2>/dev/null || echo '?')"
	echo "nofile=$NOFILE"
	echo "wrk.threads=$WRK_THREADS"
	echo "wrk.connections=$WRK_CONNECTIONS"
	echo "warmup.seconds=$WARMUP"
	echo "warmup.churn.seconds=$CHURN_WARMUP"
	echo "keepalive.seconds=$KEEPALIVE"
	echo "churn.seconds=$CHURN"
	echo "burst.connections=$BURST"
	echo "burst.maxOpen=$MAX_OPEN"
	echo "java=$(java -version 2>&1 | head -1)"
	echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
	echo "wrk=$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
	echo "git=reuseport-parent $GIT_DESC"
} >"$RAW/meta.properties"

URL='http://127.0.0.1:$PORT/'
WRK=(wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" --timeout 2s --latency)
BURST_CMD=(java "${CLIENT_JVM_OPTS[@]}" -cp "$CP" dev.reuseport.bench.burst.BurstClient
	--connections "$BURST" --max-open "$MAX_OPEN" --timeout-seconds "$BURST_TIMEOUT")
{
	echo "# \$CP = bench/target/classes, bench/target/starter/* and bench/target/classpath.txt;" \
		"\$PORT is fresh for every server start"
	echo "A:  java ${JVM_OPTS[*]} -cp \$CP $APP --server.port=\$PORT --reuseport.enabled=false"
	echo "B:  java ${JVM_OPTS[*]} -cp \$CP $APP --server.port=\$PORT"
	echo "B0: java ${JVM_OPTS[*]} -cp \$CP $APP --server.port=\$PORT --reuseport.metrics.enabled=false"
	echo "C:  java ${JVM_OPTS[*]} -cp \$CP dev.reuseport.bench.netty.RawNettyServer --port \$PORT --loops $LOOPS"
	echo "D:  nginx -p \$TMP -c \$TMP/nginx.conf -e \$TMP/error.log   (worker_processes $LOOPS;" \
		"listen 127.0.0.1:\$PORT reuseport backlog=$SOMAXCONN; return 200 \"Hello, World!\")"
	if [[ -n "$PIN" ]]; then
		echo "servers run under 'taskset -c $SERVER_CPUS', wrk and the burst client under 'taskset -c $CLIENT_CPUS'"
	fi
	echo "warm-up:    ${WRK[*]} -d ${WARMUP}s $URL"
	echo "keep-alive: ${WRK[*]} -d ${KEEPALIVE}s $URL"
	echo "warm-up:    ${WRK[*]} -d ${CHURN_WARMUP}s -H 'Connection: close' $URL"
	echo "churn:      ${WRK[*]} -d ${CHURN}s -H 'Connection: close' $URL"
	echo "balance:    curl -s http://127.0.0.1:\$PORT/actuator/prometheus   (B, after churn)"
	echo "burst:      java ${CLIENT_JVM_OPTS[*]} -cp \$CP dev.reuseport.bench.burst.BurstClient --port \$PORT" \
		"--connections $BURST --max-open $MAX_OPEN --timeout-seconds $BURST_TIMEOUT"
	echo "report:     java -cp \$CP dev.reuseport.bench.report.Report $RAW ${OUT#"$ROOT_DIR"/}"
} >"$RAW/commands.txt"

# ---------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------
NEXT_PORT=$BASE_PORT
port_in_use() { [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; }
fresh_port() {
	while port_in_use "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
	PORT=$NEXT_PORT
	NEXT_PORT=$((NEXT_PORT + 1))
}

write_nginx_conf() { # DIR PORT
	local dir=$1 port=$2
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $LOOPS;
worker_rlimit_nofile $NOFILE;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
	worker_connections $((NOFILE - 100));
}
http {
	access_log off;
	keepalive_requests 1000000000;
	client_body_temp_path $dir/client_body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen 127.0.0.1:$port reuseport backlog=$SOMAXCONN;
		location / {
			default_type text/plain;
			return 200 "Hello, World!";
		}
	}
}
EOF
}

start_server() { # SERVER PORT LOGFILE
	local server=$1 port=$2 logfile=$3
	case "$server" in
	A) "${ON_SERVER_CPUS[@]}" java "${JVM_OPTS[@]}" -cp "$CP" "$APP" "--server.port=$port" --reuseport.enabled=false \
		>"$logfile" 2>&1 & ;;
	B) "${ON_SERVER_CPUS[@]}" java "${JVM_OPTS[@]}" -cp "$CP" "$APP" "--server.port=$port" >"$logfile" 2>&1 & ;;
	B0) "${ON_SERVER_CPUS[@]}" java "${JVM_OPTS[@]}" -cp "$CP" "$APP" "--server.port=$port" \
		--reuseport.metrics.enabled=false >"$logfile" 2>&1 & ;;
	C) "${ON_SERVER_CPUS[@]}" java "${JVM_OPTS[@]}" -cp "$CP" dev.reuseport.bench.netty.RawNettyServer \
		--port "$port" --loops "$LOOPS" >"$logfile" 2>&1 & ;;
	D)
		local dir=$WORK_DIR/nginx-$port
		write_nginx_conf "$dir" "$port"
		"${ON_SERVER_CPUS[@]}" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$logfile" 2>&1 &
		;;
	esac
	SERVER_PID=$!
	local deadline=$(($(date +%s) + STARTUP_TIMEOUT))
	while (($(date +%s) < deadline)); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			log "$server exited during startup; see $logfile"
			SERVER_PID=
			return 1
		fi
		if [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null) == 200 ]]; then
			return 0
		fi
		sleep 0.1
	done
	log "$server did not answer within ${STARTUP_TIMEOUT}s; see $logfile"
	stop_server
	return 1
}

figure() { sed -n "$1" "$2" 2>/dev/null | head -1 || true; }

# ---------------------------------------------------------------------------------------
# One server through every step
# ---------------------------------------------------------------------------------------
bench_server() { # ROUND SERVER
	local round=$1 server=$2 dir url started
	dir=$RAW/round-$round/$server
	mkdir -p "$dir"
	fresh_port
	url="http://127.0.0.1:$PORT/"
	started=$(date +%s%3N)
	if ! start_server "$server" "$PORT" "$dir/server.log"; then
		return 0
	fi
	if [[ $server == D ]]; then cp "$WORK_DIR/nginx-$PORT/nginx.conf" "$dir/"; fi
	started=$(awk -v ms=$(($(date +%s%3N) - started)) 'BEGIN { printf "%.1f", ms / 1000 }')
	log "round $round: $server up on port $PORT (pid $SERVER_PID) after ${started}s"
	run_bounded $((WARMUP + 15)) "$dir/warmup-keepalive.txt" "${ON_CLIENT_CPUS[@]}" "${WRK[@]}" -d "${WARMUP}s" "$url"
	run_bounded $((KEEPALIVE + 15)) "$dir/keepalive.txt" "${ON_CLIENT_CPUS[@]}" "${WRK[@]}" -d "${KEEPALIVE}s" "$url"
	run_bounded $((CHURN_WARMUP + 15)) "$dir/warmup-churn.txt" "${ON_CLIENT_CPUS[@]}" "${WRK[@]}" -d "${CHURN_WARMUP}s" \
		-H 'Connection: close' "$url"
	run_bounded $((CHURN + 15)) "$dir/churn.txt" "${ON_CLIENT_CPUS[@]}" "${WRK[@]}" -d "${CHURN}s" \
		-H 'Connection: close' "$url"
	if [[ $server == B ]]; then
		curl -s -m 5 "http://127.0.0.1:$PORT/actuator/prometheus" >"$dir/prom-after-churn.txt" || true
	fi
	run_bounded $((BURST_TIMEOUT + 15)) "$dir/burst.txt" "${ON_CLIENT_CPUS[@]}" "${BURST_CMD[@]}" --port "$PORT"
	stop_server
	log "round $round: $server done: keep-alive $(figure 's/^Requests\/sec: *//p' "$dir/keepalive.txt") req/s," \
		"churn $(figure 's/^Requests\/sec: *//p' "$dir/churn.txt") req/s," \
		"burst connect p99 $(figure 's/^connect.p99.ms=//p' "$dir/burst.txt") ms," \
		"ListenOverflows $(figure 's/^listenOverflows=//p' "$dir/burst.txt")"
}

log "mode $MODE: $ROUNDS round(s) of $SERVERS, $LOOPS loops, budget ${BUDGET}s, raw files in ${RAW#"$ROOT_DIR"/}"
COMPLETED=0
STOPPED_EARLY=
# Seconds that one server is expected to take: a guess until it has run once, then the
# longest it took. A server is started only when it is expected to end within the budget.
declare -A EXPECTED=()
STEPS=$((WARMUP + KEEPALIVE + CHURN_WARMUP + CHURN + 4 + BURST / 2000))
for server in $SERVERS; do
	case "$server" in
	A | B | B0) EXPECTED[$server]=$((STEPS + 10)) ;;
	C) EXPECTED[$server]=$((STEPS + 3)) ;;
	*) EXPECTED[$server]=$((STEPS + 1)) ;;
	esac
done
for ((round = 1; round <= ROUNDS; round++)); do
	for server in $SERVERS; do
		now=$(date +%s)
		if ((now + EXPECTED[$server] > DEADLINE)); then
			STOPPED_EARLY="the ${BUDGET}s budget left no time for round $round, server $server"
			break 2
		fi
		bench_server "$round" "$server"
		took=$(($(date +%s) - now))
		if ((took > EXPECTED[$server])); then EXPECTED[$server]=$took; fi
	done
	COMPLETED=$round
done
if [[ -n "$STOPPED_EARLY" ]]; then log "stopped early: $STOPPED_EARLY"; fi

{
	echo "rounds.completed=$COMPLETED"
	echo "elapsed.seconds=$(($(date +%s) - START_EPOCH))"
	echo "stopped.early=$STOPPED_EARLY"
} >>"$RAW/meta.properties"

log "report: ${OUT#"$ROOT_DIR"/}"
echo
# Exits 1 when a server did not start or an output is missing or unreadable: the harness
# is broken. Timings never fail the run.
java -cp "$CP" dev.reuseport.bench.report.Report "$RAW" "$OUT"
