#!/usr/bin/env bash
# Benchmark of the reuseport starter against default WebFlux (on epoll and io_uring), Jetty,
# Tomcat, raw Netty and nginx.
#
#   bench/run.sh            full run: steady state, 5 rounds of A B B0 C D J T Au Bu, stalled loop and
#                           bursts, about 35 minutes on 2 CPUs (--budget-seconds)
#   bench/run.sh --variant 'Bold=/tmp/starter-old'   also server Bold: B with another build
#                           of the starter (bench/starter-at.sh COMMIT DIR builds one)
#   bench/run.sh --quick    smoke run of every scenario with short steps, about 4 minutes
#   bench/run.sh --scenarios "proxy stall"   only the proxy scenario and the stalled loop
#   bench/run.sh --scenarios http3   only HTTP/3: one UDP socket (H1) against one per loop (HN)
#   bench/run.sh --report-only RAW [--out FILE]   report and charts from a raw directory
#   bench/run.sh --help     all options
#
# Everything listens on 127.0.0.1. Every load step runs under `timeout`, the run stops
# starting rounds when its time budget is spent, and the script stops only the processes
# that it started, by PID. See bench/README.md.
set -euo pipefail

ARGS=("$@")
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$BENCH_DIR")
NPROC=$(nproc)

MODE=full
ROUNDS=5
WINDOW=2
WARMUP_WINDOWS=3
WARMUP_TOLERANCE=5
WARMUP_MAX=60
KEEPALIVE=10
CHURN=10
BURST=20000
BURST_THREADS=$((NPROC < 4 ? NPROC : 4))
BURST_TIMEOUT=30
BURST_STALL_MS=1000
BACKLOGS="4096 512"
BACKLOG_WARMUP=5
STALL_RATE=200
STALL_BLOCK_MS=1000
STALL_GAP_MS=1000
BUDGET=2400
SCENARIOS="steady proxy stall burst http3"
PROXY_SERVERS="A B B-noaffinity"
HTTP3_SERVERS="H1 HN"
HTTP3_CONNECTIONS="64 4"
HTTP3_STREAMS=4
HTTP3_SECONDS=10
BACKEND_WORKERS=
LOOPS=$((NPROC > 4 ? NPROC : 4))
WRK_CONNECTIONS=64
WRK_THREADS=$((NPROC < 4 ? NPROC : 4))
BASE_PORT=18080
PIN=
BUILD=auto
SERVERS="A B B0 C D J T Au Bu"
NETNS=auto
OUT=
REPORT_ONLY=
STARTUP_TIMEOUT=90
FEW="8 16"
SERVERS_GIVEN=
VARIANT_PHASES=rounds
VARIANT_NAMES=()
declare -A VARIANT_DIRS=() VARIANT_ARGS=()

usage() {
	cat <<'EOF'
Usage: bench/run.sh [options]

  --quick                   smoke run: 1 round, 1 s warm-up windows (at most 3 s), 2 s steps,
                            one few-connection step, 2,000-connection bursts; writes
                            bench/results/quick.md (not steady-state)
  --scenarios "S ..."       which scenarios run, of steady (keep-alive, churn, few connections),
                            proxy (GET /proxy through WebClient to an nginx backend), stall (the
                            stalled loop, with B without stall relief), burst and http3 (HTTP/3
                            with Reactor Netty's own binding, one UDP socket, as H1, against the
                            starter's one socket per loop, HN) (default all)
  --http3-connections "N M" QUIC connections of the http3 steps, one step each (default "64 4")
  --http3-streams N         requests in flight on each QUIC connection (default 4)
  --http3-seconds N         measured seconds of each http3 step (default 10)
  --proxy-servers "A B ..." servers of the proxy scenario, of A, B, B0, J, T, Au, Bu,
                            B-noaffinity (B with --reuseport.client-affinity.enabled=false) and
                            the variants (default "A B B-noaffinity")
  --backend-workers N       nginx workers of the proxy scenario's backend, which runs on the
                            clients' CPUs with --pin (default: as many as wrk's threads)
  --rounds N                measured rounds of the servers (default 5)
  --loops N                 event loops / nginx workers per server
                            (default: Reactor Netty's, max(nproc, 4))
  --warmup-window-seconds N warm-up window (default 2)
  --warmup-windows N        consecutive windows that must agree (default 3)
  --warmup-tolerance P      how far they may differ, in percent (default 5)
  --warmup-max-seconds N    cap of each warm-up, keep-alive and churn (default 60)
  --keepalive-seconds N     keep-alive step (default 10)
  --churn-seconds N         Connection: close step (default 10)
  --stall-rate N            new connections per second in the stalled-loop load (default 200)
  --stall-block-ms N        how long each loop is blocked (default 1000)
  --burst-connections N     connections in each burst (default 20000)
  --burst-threads N         burst client threads (default min(nproc, 4))
  --backlogs "N M"          listen backlogs of the burst; the first is also the backlog of the
                            steady-state servers (default "4096 512")
  --wrk-threads N           wrk threads (default min(nproc, 4)); wrk uses 64 connections
  --pin S:C                 run the servers on CPUs S and the clients on CPUs C with taskset,
                            in taskset -c syntax, e.g. --pin 0-3:4-15 (default: no pinning)
  --few-connections "N M"   after keep-alive and churn, a keep-alive step with N, then M, long-
                            lived connections, as long as the keep-alive step, with per-loop
                            CPU and open connections; "" for none (default "8 16"; --quick
                            keeps the first)
  --servers "A B ..."       servers to run, in this order, of A, B, B0, C, D, J (Jetty), T
                            (Tomcat), Au (A on io_uring), Bu (B on io_uring) and the variants
                            (default "A B B0 C D J T Au Bu" and the variants)
  --variant NAME=SPEC       an extra server NAME (B followed by letters, digits or _, not B0 or Bu),
                            run exactly like B. SPEC is STARTER_DIR, STARTER_DIR|ARGS or |ARGS:
                            STARTER_DIR, a folder of starter jars (bench/starter-at.sh COMMIT
                            DIR), replaces bench/target/starter on its class path; ARGS are
                            extra application arguments, split at spaces, e.g.
                            'Bnometrics=|--reuseport.metrics.enabled=false'. Repeatable
  --variant-phases P        where the variants run: rounds (the steady-state rounds only,
                            default) or all (also the stalled loop and the bursts)
  --port N                  first port to try (default 18080); each server gets a fresh one
  --budget-seconds N        stop starting rounds when the rest would overrun this
                            (default 2400, quick 300)
  --build                   always build the starter and bench (default: only when their
                            sources are newer than the last build by this script)
  --no-build                never build; use the previous build
  --netns / --no-netns      run the servers and the load in a private network namespace
                            (unshare -n), so that ListenOverflows, ports and TIME_WAIT belong
                            to this benchmark alone (default: when root and unshare allow it)
  --out FILE                report file (default bench/results/latest.md, quick:
                            bench/results/quick.md); charts go beside it as FILE-*.png/svg
  --report-only RAW         only render the report and charts from a raw directory
EOF
}

usage_error() { echo "$*" >&2 && exit 2; }
add_variant() { # NAME=SPEC, as --variant takes it
	local name=${1%%=*} spec=${1#*=} dir args
	[[ $1 == *=* ]] || usage_error "--variant takes NAME=STARTER_DIR, NAME=STARTER_DIR|ARGS or NAME=|ARGS: '$1'"
	[[ $name =~ ^B[A-Za-z0-9_]+$ && $name != B0 && $name != Bu ]] ||
		usage_error "--variant: '$name' must be B followed by letters, digits or _, and not B0 or Bu"
	[[ -z "${VARIANT_DIRS[$name]+set}" ]] || usage_error "--variant: '$name' is defined twice"
	if [[ $spec == *"|"* ]]; then dir=${spec%%|*} args=${spec#*|}; else dir=$spec args=; fi
	[[ -n "$dir$args" ]] || usage_error "--variant $name: give a starter folder, arguments or both"
	if [[ -n "$dir" ]]; then
		[[ -d "$dir" ]] || usage_error "--variant $name: no folder '$dir'"
		dir=$(cd "$dir" && pwd)
		compgen -G "$dir/reuseport-spring-boot-autoconfigure-*.jar" >/dev/null ||
			usage_error "--variant $name: '$dir' has no reuseport-spring-boot-autoconfigure-*.jar" \
				"(bench/starter-at.sh COMMIT DIR builds one)"
	fi
	VARIANT_NAMES+=("$name")
	VARIANT_DIRS[$name]=$dir
	VARIANT_ARGS[$name]=$args
}
is_variant() { [[ -n "${VARIANT_DIRS[$1]+set}" ]]; }
in_list() { [[ " $2 " == *" $1 "* ]]; } # NAME LIST

while (($# > 0)); do
	case "$1" in
	--quick)
		MODE=quick ROUNDS=1 WINDOW=1 WARMUP_WINDOWS=2 WARMUP_MAX=3 KEEPALIVE=2 CHURN=2 BURST=2000
		BURST_TIMEOUT=10 BUDGET=300 STARTUP_TIMEOUT=60 BACKLOG_WARMUP=1 STALL_GAP_MS=300 HTTP3_SECONDS=2
		;;
	--rounds) ROUNDS=$2 && shift ;;
	--loops) LOOPS=$2 && shift ;;
	--warmup-window-seconds) WINDOW=$2 && shift ;;
	--warmup-windows) WARMUP_WINDOWS=$2 && shift ;;
	--warmup-tolerance) WARMUP_TOLERANCE=$2 && shift ;;
	--warmup-max-seconds) WARMUP_MAX=$2 && shift ;;
	--keepalive-seconds) KEEPALIVE=$2 && shift ;;
	--churn-seconds) CHURN=$2 && shift ;;
	--stall-rate) STALL_RATE=$2 && shift ;;
	--stall-block-ms) STALL_BLOCK_MS=$2 && shift ;;
	--burst-connections) BURST=$2 && shift ;;
	--burst-threads) BURST_THREADS=$2 && shift ;;
	--backlogs) BACKLOGS=$2 && shift ;;
	--wrk-threads) WRK_THREADS=$2 && shift ;;
	--pin) PIN=$2 && shift ;;
	--servers) SERVERS=$2 SERVERS_GIVEN=1 && shift ;;
	--scenarios) SCENARIOS=$2 && shift ;;
	--proxy-servers) PROXY_SERVERS=$2 && shift ;;
	--backend-workers) BACKEND_WORKERS=$2 && shift ;;
	--variant) add_variant "$2" && shift ;;
	--variant-phases) VARIANT_PHASES=$2 && shift ;;
	--few-connections) FEW=$2 && shift ;;
	--http3-connections) HTTP3_CONNECTIONS=$2 && shift ;;
	--http3-streams) HTTP3_STREAMS=$2 && shift ;;
	--http3-seconds) HTTP3_SECONDS=$2 && shift ;;
	--port) BASE_PORT=$2 && shift ;;
	--budget-seconds) BUDGET=$2 && shift ;;
	--build) BUILD=always ;;
	--no-build) BUILD=never ;;
	--netns) NETNS=on ;;
	--no-netns) NETNS=off ;;
	--out) OUT=$2 && shift ;;
	--report-only) REPORT_ONLY=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) echo "Unknown option: $1" >&2 && usage >&2 && exit 2 ;;
	esac
	shift
done
if [[ -z "$SERVERS_GIVEN" ]]; then
	for name in "${VARIANT_NAMES[@]}"; do SERVERS+=" $name"; done
fi
# The fixed servers that run the bench app (every one but C and D); H1 and HN are the http3
# scenario's
APP_SERVERS="A B B0 J T Au Bu H1 HN"
app_server() { in_list "$1" "$APP_SERVERS" || is_variant "$1"; }
for server in $SERVERS; do
	app_server "$server" || [[ $server =~ ^(C|D)$ ]] ||
		usage_error "Unknown server '$server': use A, B, B0, C, D, J, T, Au, Bu and the names of --variant"
done
[[ -n "${SCENARIOS// /}" ]] || usage_error "--scenarios needs at least one of steady, proxy, stall, burst, http3"
for scenario in $SCENARIOS; do
	[[ $scenario =~ ^(steady|proxy|stall|burst|http3)$ ]] ||
		usage_error "Unknown scenario '$scenario': use steady, proxy, stall, burst and http3"
done
has_scenario() { [[ " $SCENARIOS " == *" $1 "* ]]; }
for server in $PROXY_SERVERS; do
	app_server "$server" || [[ $server == B-noaffinity ]] ||
		usage_error "--proxy-servers: '$server' is not A, B, B0, J, T, Au, Bu, B-noaffinity or a --variant"
done
BACKEND_WORKERS=${BACKEND_WORKERS:-$WRK_THREADS}
[[ $VARIANT_PHASES =~ ^(rounds|all)$ ]] || usage_error "--variant-phases takes rounds or all: '$VARIANT_PHASES'"
if [[ $MODE == quick ]]; then
	# One short step of few connections is enough to show that the harness works
	read -r -a few_list <<<"$FEW"
	FEW=${few_list[0]:-}
fi
for value in "$ROUNDS" "$LOOPS" "$WINDOW" "$WARMUP_WINDOWS" "$WARMUP_TOLERANCE" "$WARMUP_MAX" "$KEEPALIVE" \
	"$CHURN" "$BURST" "$BURST_THREADS" "$BACKEND_WORKERS" "$STALL_RATE" "$STALL_BLOCK_MS" "$WRK_THREADS" "$BASE_PORT" "$BUDGET" \
	$BACKLOGS $FEW $HTTP3_CONNECTIONS "$HTTP3_STREAMS" "$HTTP3_SECONDS"; do
	[[ $value =~ ^[1-9][0-9]*$ ]] || { echo "Not a positive number: '$value'" >&2 && exit 2; }
done
((WARMUP_WINDOWS >= 2)) || { echo "--warmup-windows must be at least 2" >&2 && exit 2; }
if [[ -n "$PIN" && ! $PIN =~ ^[0-9,-]+:[0-9,-]+$ ]]; then
	echo "--pin takes S:C, two CPU lists in taskset -c syntax, e.g. 0-3:4-15" >&2 && exit 2
fi
if [[ -z "$OUT" ]]; then
	if [[ $MODE == quick || $REPORT_ONLY == *-quick ]]; then OUT=$BENCH_DIR/results/quick.md; else
		OUT=$BENCH_DIR/results/latest.md
	fi
fi

START_EPOCH=${REUSEPORT_BENCH_START:-$(date +%s)}
DEADLINE=$((START_EPOCH + BUDGET))
log() { printf '[bench %4ss] %s\n' "$(($(date +%s) - START_EPOCH))" "$*" >&2; }
die() { log "ERROR: $*" && exit 1; }

# ---------------------------------------------------------------------------------------
# Processes: everything this script starts is recorded here and stopped by PID.
# ---------------------------------------------------------------------------------------
declare -A SERVER_PIDS=() SERVER_PORTS=()
LOAD_PID=
SCRAPE_PID=
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

server_processes() { # SERVER: the server's PID and, for nginx, its workers' PIDs
	local pid=${SERVER_PIDS[$1]:-}
	[[ -n "$pid" ]] || return 0
	echo "$pid"
	pgrep -P "$pid" 2>/dev/null || true
}

stop_server() { # SERVER
	local server=$1 processes pid
	[[ -n "${SERVER_PIDS[$server]:-}" ]] || return 0
	# nginx's workers are children of the master we started: stop them by PID too, in
	# case the master has to be killed
	processes=$(server_processes "$server")
	for pid in $processes; do
		if [[ $pid == "${SERVER_PIDS[$server]}" ]]; then stop_pid "$pid" 10; else stop_pid "$pid" 2; fi
	done
	unset "SERVER_PIDS[$server]"
}

stop_all_servers() {
	local server
	for server in "${!SERVER_PIDS[@]}"; do stop_server "$server"; done
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$LOAD_PID" ]]; then stop_pid "$LOAD_PID" 2; fi
	if [[ -n "$SCRAPE_PID" ]]; then stop_pid "$SCRAPE_PID" 2; fi
	stop_all_servers
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
# Tools and build. Tools already on the PATH are used as they are (no apt, no network).
# ---------------------------------------------------------------------------------------
export PATH=$PATH:/usr/sbin:/sbin
apt_install() { # PACKAGE...: install with apt-get when root and apt-get is there
	[[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
	log "installing $* with apt-get"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >&2
}
ensure_tools() {
	local missing=()
	command -v java >/dev/null || die "java (17 or later) is not on the PATH"
	[[ -n "$REPORT_ONLY" ]] && return 0
	command -v wrk >/dev/null || missing+=(wrk)
	[[ " $SERVERS " != *" D "* ]] && ! has_scenario proxy || command -v nginx >/dev/null || missing+=(nginx)
	command -v curl >/dev/null || missing+=(curl)
	if ((${#missing[@]} > 0)); then
		apt_install "${missing[@]}" || die "missing ${missing[*]}: install them (apt-get install ${missing[*]}) and run again"
	fi
	command -v taskset >/dev/null || [[ -z "$PIN" ]] || die "--pin needs taskset (util-linux)"
	# Charts are optional: without gnuplot the report says how to draw them later
	command -v gnuplot >/dev/null || apt_install gnuplot-nox || log "no gnuplot: the report will not have charts"
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
for file in classpath-no-netty-server classpath-jetty classpath-tomcat classpath-io_uring; do
	[[ -f "$BENCH_DIR/target/$file.txt" ]] || die "bench is not fully built (no target/$file.txt): run without --no-build"
done
DEPENDENCIES=$(cat "$BENCH_DIR/target/classpath.txt")
CP=$BENCH_DIR/target/classes:$BENCH_DIR/target/starter/*:$DEPENDENCIES
server_class_path() { # SERVER: the class path of a JVM server: a variant's with its own starter jars;
	# J and T with Jetty's or Tomcat's jars instead of the starter and the Reactor Netty server
	# (bench/pom.xml writes each file)
	local starter=$BENCH_DIR/target/starter classes=$BENCH_DIR/target/classes target=$BENCH_DIR/target
	case "$1" in
	J | T)
		local jars=classpath-jetty.txt
		[[ $1 == J ]] || jars=classpath-tomcat.txt
		echo "$classes:$(cat "$target/$jars"):$(cat "$target/classpath-no-netty-server.txt")"
		return
		;;
	Au | Bu) echo "$CP:$(cat "$target/classpath-io_uring.txt")" && return ;;
	esac
	if is_variant "$1" && [[ -n "${VARIANT_DIRS[$1]}" ]]; then starter=${VARIANT_DIRS[$1]}; fi
	echo "$classes:$starter/*:$DEPENDENCIES"
}

app_args() { # SERVER: the arguments that set a server of the bench app apart, separated by spaces
	case "$1" in
	A | Au) echo --reuseport.enabled=false ;;
	B | J) ;;
	B0) echo --reuseport.metrics.enabled=false ;;
	B-noaffinity) echo --reuseport.client-affinity.enabled=false ;;
	B-norelief) echo --reuseport.stall-relief.enabled=false ;;
	H1) echo "--reuseport.enabled=false --bench.http3-single-socket=true ${TLS_ARGS[*]}" ;;
	HN) echo "--reuseport.http3.enabled=true ${TLS_ARGS[*]}" ;;
	T) echo "${TOMCAT_ARGS[*]}" ;;
	Bu) echo "${IO_URING_ARGS[*]}" ;;
	*) echo "${VARIANT_ARGS[$1]:-}" ;; # a variant: B with its own starter jars and arguments
	esac
}

app_command() { # SERVER CP_NAME: the command line of a server of the bench app, for commands.txt
	local args
	args=$(app_args "$1")
	echo "java ${JVM_OPTS[*]} -cp \$$2 $APP --server.port=\$PORT --bench.backlog=\$BACKLOG${args:+ $args}"
}

render_report() { # RAW: the report and its charts; exits 1 when the harness broke
	log "report: ${OUT#"$ROOT_DIR"/}"
	echo
	java -cp "$CP" dev.reuseport.bench.report.Report "$1" "$OUT"
}
if [[ -n "$REPORT_ONLY" ]]; then
	[[ -d "$REPORT_ONLY" ]] || die "--report-only: no directory $REPORT_ONLY"
	render_report "$REPORT_ONLY"
	exit $?
fi

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

# The http3 scenario's servers serve HTTPS and HTTP/3 with a key generated for the run
TLS_ARGS=()
if has_scenario http3; then
	KEYSTORE=$WORK_DIR/bench.p12
	keytool -genkeypair -alias bench -keyalg EC -groupname secp256r1 -validity 2 -dname CN=localhost \
		-storetype PKCS12 -keystore "$KEYSTORE" -storepass bench-only -keypass bench-only >/dev/null 2>&1 ||
		die "keytool (the JDK's) could not generate the http3 scenario's key"
	TLS_ARGS=(--server.ssl.bundle=bench "--spring.ssl.bundle.jks.bench.keystore.location=file:$KEYSTORE"
		--spring.ssl.bundle.jks.bench.keystore.password=bench-only --spring.ssl.bundle.jks.bench.keystore.type=PKCS12)
fi

# Stall relief (issue 9) moves a stalled listener's queue only with tcp_migrate_req=1, a
# per-namespace setting: the private namespace gets it, the host's is only read
MIGRATE_FILE=/proc/sys/net/ipv4/tcp_migrate_req
if [[ -n "${REUSEPORT_BENCH_NETNS:-}" ]] && has_scenario stall; then
	echo 1 2>/dev/null >"$MIGRATE_FILE" || log "could not set net.ipv4.tcp_migrate_req=1 in the private namespace"
fi
MIGRATE_REQ=$(cat "$MIGRATE_FILE" 2>/dev/null || echo "unavailable (kernel before 5.14)")
if [[ -n "${REUSEPORT_BENCH_NETNS:-}" ]]; then MIGRATE_DESC="$MIGRATE_REQ (set in the private namespace)"; else
	MIGRATE_DESC="$MIGRATE_REQ (the host's)"
fi

# File descriptors: the burst holds thousands of sockets open in the client and server
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
[[ "$NOFILE" == unlimited ]] && NOFILE=1048576
MAX_OPEN=$((NOFILE - 2048 < BURST ? NOFILE - 2048 : BURST))
((MAX_OPEN > 0)) || die "the file descriptor limit ($NOFILE) is too low for the burst"
SOMAXCONN=$(sysctl -n net.core.somaxconn 2>/dev/null || cat /proc/sys/net/core/somaxconn)
CLK_TCK=$(getconf CLK_TCK)
read -r -a BACKLOG_LIST <<<"$BACKLOGS"
MAIN_BACKLOG=${BACKLOG_LIST[0]}

SERVER_CPUS= CLIENT_CPUS= PIN_DESC="none (taskset not used)"
if [[ -n "$PIN" ]]; then
	SERVER_CPUS=${PIN%%:*} CLIENT_CPUS=${PIN##*:}
	PIN_DESC="servers on CPUs $SERVER_CPUS, wrk and the Java clients on CPUs $CLIENT_CPUS (taskset -c)"
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
# Tomcat closes a keep-alive connection after 100 requests by default (nginx after 1,000);
# the other servers never do, so that the keep-alive steps measure requests, not reconnects
TOMCAT_ARGS=(--server.tomcat.max-keep-alive-requests=-1)
# Bu must run on io_uring or not at all: required makes the starter fail instead of using epoll
IO_URING_ARGS=(--reuseport.transport=io_uring --reuseport.required=true)
CLIENT_JVM_OPTS=(-Xms256m -Xmx256m)
APP=dev.reuseport.bench.webflux.BenchApplication
CLIENT=dev.reuseport.bench.client
# bench/device/run.sh names the commit its bundle was built from: the copy of the tree it
# runs in may carry an unrelated .git of its own
GIT_DESC=${BENCH_GIT_DESC:-$(git -C "$ROOT_DIR" describe --always --dirty 2>/dev/null || echo unknown)}
# The variants join the stalled loop and the bursts only with --variant-phases all
STALL_SERVERS= BURST_SERVERS= VARIANTS=
for server in $SERVERS; do
	if is_variant "$server"; then
		VARIANTS+="$server "
		[[ $VARIANT_PHASES == all ]] || continue
	fi
	BURST_SERVERS+="$server "
	! app_server "$server" || STALL_SERVERS+="$server "
done
# The JVM servers but C (and the variants with --variant-phases all) also get a burst during
# a stalled loop and the bursts at the other backlogs: those belong to the burst scenario
BURST_STALL_SERVERS=$STALL_SERVERS
has_scenario burst || BURST_SERVERS= BURST_STALL_SERVERS=
has_scenario stall || STALL_SERVERS=
STEADY_SERVERS=
! has_scenario steady || STEADY_SERVERS=$SERVERS
has_scenario proxy || PROXY_SERVERS=
has_scenario http3 || HTTP3_SERVERS=
# The stalled loop also runs B without stall relief, beside B with it (its default), where
# relief can act; with tcp_migrate_req 0, B is without relief and the report says so
STALL_RUN_SERVERS=
for server in $STALL_SERVERS; do
	if [[ $server == B && $MIGRATE_REQ == 1 ]]; then STALL_RUN_SERVERS+="B-norelief "; fi
	STALL_RUN_SERVERS+="$server "
done
# Every server that some scenario needs, started once, in the benchmark's order
STARTED_SERVERS=
for server in $SERVERS $PROXY_SERVERS B-norelief; do
	case " $STEADY_SERVERS $PROXY_SERVERS $STALL_RUN_SERVERS $BURST_SERVERS $BURST_STALL_SERVERS " in
	*" $server "*) [[ " $STARTED_SERVERS " == *" $server "* ]] || STARTED_SERVERS+="$server " ;;
	esac
done
starter_jars() { # DIR: the starter jars in a folder, by name
	(cd "$1" && compgen -G 'reuseport-spring-boot-*.jar' | tr '\n' ' ' | sed 's/ $//')
}
starter_source() { # DIR: where a folder of starter jars came from, as bench/starter-at.sh records it
	[[ ! -r "$1/source.properties" ]] || sed -n 's/^describe=//p' "$1/source.properties" | head -1
}

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "mode=$MODE"
	echo "rounds.planned=$ROUNDS"
	echo "servers=$SERVERS"
	echo "scenarios=$SCENARIOS"
	echo "steady.servers=$STEADY_SERVERS"
	echo "proxy.servers=$PROXY_SERVERS"
	echo "proxy.backend.workers=$BACKEND_WORKERS"
	if [[ -n "$CLIENT_CPUS" ]]; then echo "proxy.backend.cpus=pinned with the clients to CPUs $CLIENT_CPUS"; else
		echo "proxy.backend.cpus=not pinned"
	fi
	echo "stall.servers=$STALL_RUN_SERVERS"
	echo "http3.servers=$HTTP3_SERVERS"
	echo "http3.connections=$HTTP3_CONNECTIONS"
	echo "http3.streams=$HTTP3_STREAMS"
	echo "http3.seconds=$HTTP3_SECONDS"
	echo "tcp_migrate_req=$MIGRATE_DESC"
	echo "variants=$VARIANTS"
	echo "variant.phases=$VARIANT_PHASES"
	for name in $VARIANTS; do
		dir=${VARIANT_DIRS[$name]:-$BENCH_DIR/target/starter}
		echo "variant.$name.starter=${dir#"$ROOT_DIR"/}"
		echo "variant.$name.jars=$(starter_jars "$dir")"
		echo "variant.$name.source=$(starter_source "$dir")"
		echo "variant.$name.args=${VARIANT_ARGS[$name]}"
	done
	echo "few.connections=$FEW"
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
	echo "clk_tck=$CLK_TCK"
	echo "wrk.threads=$WRK_THREADS"
	echo "wrk.connections=$WRK_CONNECTIONS"
	echo "warmup.window.seconds=$WINDOW"
	echo "warmup.windows=$WARMUP_WINDOWS"
	echo "warmup.tolerance.percent=$WARMUP_TOLERANCE"
	echo "warmup.max.seconds=$WARMUP_MAX"
	echo "keepalive.seconds=$KEEPALIVE"
	echo "churn.seconds=$CHURN"
	echo "stall.rate=$STALL_RATE"
	echo "stall.block.ms=$STALL_BLOCK_MS"
	echo "stall.gap.ms=$STALL_GAP_MS"
	echo "burst.connections=$BURST"
	echo "burst.threads=$BURST_THREADS"
	echo "burst.maxOpen=$MAX_OPEN"
	echo "burst.stall.ms=$BURST_STALL_MS"
	echo "backlogs=$BACKLOGS"
	echo "java=$(java -version 2>&1 | head -1)"
	echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
	echo "wrk=$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//')"
	echo "git=reuseport-parent $GIT_DESC"
} >"$RAW/meta.properties"

URL='http://127.0.0.1:$PORT/'
WRK=(wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" --timeout 2s --latency)
CLOSE=(-H 'Connection: close')
WARMUP_CMD=(java "${CLIENT_JVM_OPTS[@]}" -cp "$CP" "$CLIENT.WarmupRunner" --window-seconds "$WINDOW"
	--windows "$WARMUP_WINDOWS" --tolerance "$(awk -v p="$WARMUP_TOLERANCE" 'BEGIN { print p / 100 }')"
	--max-seconds "$WARMUP_MAX")
STALL_CMD=(java "${CLIENT_JVM_OPTS[@]}" -cp "$CP" "$CLIENT.StallClient" --loops "$LOOPS" --rate "$STALL_RATE"
	--block-ms "$STALL_BLOCK_MS" --gap-ms "$STALL_GAP_MS" --lead-ms "$STALL_GAP_MS")
BURST_CMD=(java "${CLIENT_JVM_OPTS[@]}" -cp "$CP" "$CLIENT.BurstClient" --connections "$BURST"
	--threads "$BURST_THREADS" --max-open "$MAX_OPEN" --timeout-seconds "$BURST_TIMEOUT" --loops "$LOOPS")
# QUIC clients hold more per connection than wrk's: a larger heap than the other clients'
HTTP3_CMD=(java -Xms512m -Xmx512m -cp "$CP" "$CLIENT.Http3Load" --streams "$HTTP3_STREAMS" --seconds "$HTTP3_SECONDS"
	--threads "$WRK_THREADS" --window-seconds "$WINDOW" --windows "$WARMUP_WINDOWS"
	--tolerance "$(awk -v p="$WARMUP_TOLERANCE" 'BEGIN { print p / 100 }')" --max-warmup-seconds "$WARMUP_MAX"
	--clk-tck "$CLK_TCK")
{
	echo "# \$CP = bench/target/classes, bench/target/starter/* and bench/target/classpath.txt;" \
		"\$PORT is fresh for every server start, \$BACKLOG is $MAIN_BACKLOG for the rounds"
	echo "A:  $(app_command A CP)"
	echo "B:  $(app_command B CP)"
	echo "B0: $(app_command B0 CP)"
	echo "C:  java ${JVM_OPTS[*]} -cp \$CP dev.reuseport.bench.netty.RawNettyServer --port \$PORT --loops $LOOPS" \
		"--backlog \$BACKLOG"
	echo "D:  nginx -p \$TMP -c \$TMP/nginx.conf -e \$TMP/error.log   (worker_processes $LOOPS;" \
		"listen 127.0.0.1:\$PORT reuseport backlog=\$BACKLOG; return 200 \"Hello, World!\")"
	echo "J:  $(app_command J CP_J)   (Jetty at Spring Boot's defaults)"
	echo "    \$CP_J = bench/target/classes, bench/target/classpath-jetty.txt and bench/target/classpath-no-netty-server.txt" \
		"(no starter, no Reactor Netty server)"
	echo "T:  $(app_command T CP_T)   (Tomcat at Spring Boot's defaults, keep-alive requests unlimited)"
	echo "    \$CP_T = bench/target/classes, bench/target/classpath-tomcat.txt and bench/target/classpath-no-netty-server.txt"
	echo "Au: $(app_command Au CP_U)   (A: Reactor Netty picks io_uring by itself when Netty's io_uring jar is on the class path)"
	echo "Bu: $(app_command Bu CP_U)"
	echo "    \$CP_U = \$CP and bench/target/classpath-io_uring.txt (Netty 4.2's io_uring jars)"
	for name in $VARIANTS; do
		echo "$name: $(app_command "$name" "CP_$name")"
		dir=${VARIANT_DIRS[$name]:-$BENCH_DIR/target/starter}
		origin=$(starter_source "$dir")
		jars="$(starter_jars "$dir")${origin:+; built at $origin}"
		echo "    \$CP_$name = bench/target/classes, ${dir#"$ROOT_DIR"/}/* ($jars) and bench/target/classpath.txt"
	done
	echo "B-noaffinity: B with $(app_args B-noaffinity) (proxy scenario)"
	echo "B-norelief: B with $(app_args B-norelief) (stalled loop, where tcp_migrate_req is 1)"
	if [[ -n "$PROXY_SERVERS" ]]; then
		echo "    the JVM servers but C also get --bench.backend-url=http://127.0.0.1:\$BACKEND_PORT/"
	fi
	if [[ -n "$PIN" ]]; then
		echo "servers run under 'taskset -c $SERVER_CPUS', wrk, the Java clients and the proxy backend under 'taskset -c $CLIENT_CPUS'"
	fi
	echo "warm-up:    ${WARMUP_CMD[*]} --log FILE -- ${WRK[*]} [${CLOSE[*]}] $URL   (keep-alive, then churn)"
	if [[ -n "$STEADY_SERVERS" ]]; then
		echo "keepalive:  ${WRK[*]} -d ${KEEPALIVE}s $URL   (with /proc/PID/stat of the server before and after)"
		echo "churn:      ${WRK[*]} -d ${CHURN}s ${CLOSE[*]} $URL   (with /proc/PID/stat before and after)"
		for connections in $FEW; do
			echo "keepalive-c$connections: wrk -t $((WRK_THREADS < connections ? WRK_THREADS : connections))" \
				"-c $connections --timeout 2s --latency -d ${KEEPALIVE}s $URL   (with /proc/PID/stat and" \
				"/proc/PID/task/*/stat of the server before and after)"
		done
		echo "balance:    curl -s http://127.0.0.1:\$PORT/actuator/prometheus   (B and variants, after each round's churn)"
		if [[ -n "$FEW" ]]; then
			echo "open:       curl -s -m 3 http://127.0.0.1:\$PORT/thread -o FILE http://127.0.0.1:\$PORT/actuator/prometheus" \
				"-o FILE   (B and variants, once in the middle of each keepalive-cN step, both on one connection)"
		fi
	fi
	if [[ -n "$PROXY_SERVERS" ]]; then
		echo "backend:    nginx -p \$TMP -c \$TMP/nginx.conf   (worker_processes $BACKEND_WORKERS;" \
			"listen 127.0.0.1:\$BACKEND_PORT reuseport; return 200 \"Hello, World!\"; the proxy scenario's backend)"
		echo "proxy:      ${WRK[*]} -d ${KEEPALIVE}s ${URL}proxy   (servers: $PROXY_SERVERS; with /proc/PID/stat" \
			"and curl -s ${URL}proxy/loops before and after)"
		echo "proxy-churn: ${WRK[*]} -d ${CHURN}s ${CLOSE[*]} ${URL}proxy   (the same)"
		echo "proxy warm-up: ${WARMUP_CMD[*]} --log FILE -- ${WRK[*]} ${URL}proxy"
	fi
	if [[ -n "$STALL_RUN_SERVERS" ]]; then
		echo "stall:      ${STALL_CMD[*]} --port \$PORT --samples FILE   (servers: $STALL_RUN_SERVERS)"
	fi
	if [[ -n "$HTTP3_SERVERS" ]]; then
		echo "H1: $(app_command H1 CP)   (Reactor Netty's own HTTP/3 binding, one UDP socket, beside Spring Boot's TCP server)"
		echo "HN: $(app_command HN CP)   (the starter: one UDP socket per listener loop)"
		echo "    TLS: a key generated for the run by keytool into \$TMP/bench.p12"
		echo "http3:      ${HTTP3_CMD[*]} --port \$PORT --server-pid \$PID --connections N   (N of $HTTP3_CONNECTIONS;" \
			"warms up until stable, then measures, reading /proc/\$PID/stat and /proc/\$PID/task/*/stat)"
	fi
	if [[ -n "$BURST_SERVERS" ]]; then
		echo "bursts:     servers $BURST_SERVERS"
		echo "burst:      ${BURST_CMD[*]} --port \$PORT [--stall-ms $BURST_STALL_MS]   (backlogs $BACKLOGS;" \
			"after ${BACKLOG_WARMUP}s of keep-alive and churn wrk for the servers started for another backlog)"
	fi
	echo "listen:     ss -Hltn 'sport = :\$PORT'"
	echo "report:     bench/run.sh --report-only ${RAW#"$ROOT_DIR"/} --out ${OUT#"$ROOT_DIR"/}"
} | while IFS= read -r line; do line=${line//"$WORK_DIR"/\$TMP} && echo "${line//"$CP"/\$CP}"; done >"$RAW/commands.txt"

# ---------------------------------------------------------------------------------------
# Servers: several stay up at once, each on its own port
# ---------------------------------------------------------------------------------------
NEXT_PORT=$BASE_PORT
port_in_use() { [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; }
fresh_port() {
	while port_in_use "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
	PORT=$NEXT_PORT
	NEXT_PORT=$((NEXT_PORT + 1))
}

write_nginx_conf() { # DIR PORT BACKLOG [WORKERS]
	local dir=$1 port=$2 backlog=$3 workers=${4:-$LOOPS}
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes $workers;
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
		listen 127.0.0.1:$port reuseport backlog=$backlog;
		location / {
			default_type text/plain;
			return 200 "Hello, World!";
		}
	}
}
EOF
}

start_server() { # SERVER BACKLOG LOGDIR: start on a fresh port and wait until it answers
	local server=$1 backlog=$2 dir=$3 started pid
	fresh_port
	local port=$PORT logfile=$dir/server.log
	mkdir -p "$dir"
	started=$(date +%s%3N)
	case "$server" in
	C) "${ON_SERVER_CPUS[@]}" java "${JVM_OPTS[@]}" -cp "$CP" dev.reuseport.bench.netty.RawNettyServer \
		--port "$port" --loops "$LOOPS" --backlog "$backlog" >"$logfile" 2>&1 & ;;
	D)
		local conf=$WORK_DIR/nginx-$port
		write_nginx_conf "$conf" "$port" "$backlog"
		cp "$conf/nginx.conf" "$dir/"
		"${ON_SERVER_CPUS[@]}" nginx -p "$conf" -c "$conf/nginx.conf" -e "$conf/error.log" >"$logfile" 2>&1 &
		;;
	*)
		# The bench app, on the server's own class path with its own arguments
		local extra=()
		read -r -a extra <<<"$(app_args "$server")"
		"${ON_SERVER_CPUS[@]}" java "${JVM_OPTS[@]}" -cp "$(server_class_path "$server")" "$APP" \
			"--server.port=$port" "--bench.backlog=$backlog" "${extra[@]}" "${APP_ARGS[@]}" >"$logfile" 2>&1 &
		;;
	esac
	pid=$!
	SERVER_PIDS[$server]=$pid
	SERVER_PORTS[$server]=$port
	local deadline=$(($(date +%s) + STARTUP_TIMEOUT))
	while (($(date +%s) < deadline)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "$server exited during startup; see $logfile"
			unset "SERVER_PIDS[$server]"
			return 1
		fi
		if [[ $(curl -sk -o /dev/null -m 1 -w '%{http_code}' "$(scheme "$server")://127.0.0.1:$port/" 2>/dev/null) == 200 ]]; then
			ss -Hltn "sport = :$port" >"$dir/listen.txt" 2>/dev/null || true
			log "$server up on port $port (pid $pid, backlog $backlog) after" \
				"$(awk -v ms=$(($(date +%s%3N) - started)) 'BEGIN { printf "%.1f", ms / 1000 }')s"
			return 0
		fi
		sleep 0.2
	done
	log "$server did not answer within ${STARTUP_TIMEOUT}s; see $logfile"
	stop_server "$server"
	return 1
}

scheme() { if in_list "$1" "H1 HN"; then echo https; else echo http; fi; } # SERVER: the http3 servers have TLS
url() { echo "http://127.0.0.1:${SERVER_PORTS[$1]}/"; }
up() { [[ -n "${SERVER_PIDS[$1]:-}" ]]; }
figure() { sed -n "$1" "$2" 2>/dev/null | head -1 || true; }

cpu_stat() { # SERVER PREFIX: one '<prefix> <stat line>' per process of the server
	local pid
	for pid in $(server_processes "$1"); do
		[[ -r /proc/$pid/stat ]] && echo "$2 $(cat "/proc/$pid/stat")"
	done
}

loop_stat() { # SERVER PREFIX: '<prefix> <stat line>' per thread of a JVM server, or per nginx worker
	local server=$1 prefix=$2 pid=${SERVER_PIDS[$1]:-} stat line
	[[ -n "$pid" ]] || return 0
	if [[ $server == D ]]; then
		# nginx's workers are its loops, one single-threaded process each; the master serves nothing
		for stat in $(pgrep -P "$pid" | sed 's|.*|/proc/&/stat|'); do
			read -r line 2>/dev/null <"$stat" && echo "$prefix $line"
		done
	else
		# Every thread: the report picks the event loops by name (comm, cut to 15 characters)
		for stat in /proc/"$pid"/task/*/stat; do
			read -r line 2>/dev/null <"$stat" && echo "$prefix $line"
		done
	fi
	return 0
}

b_like() { [[ $1 == B || $1 == Bu ]] || is_variant "$1"; }

measure() { # SERVER STEP SECONDS DIR WRK...: one wrk step, CPU time of the processes and threads around it
	local server=$1 step=$2 seconds=$3 dir=$4
	shift 4
	{ echo "clk_tck=$CLK_TCK" && cpu_stat "$server" before; } >"$dir/$step.cpu"
	{ echo "clk_tck=$CLK_TCK" && loop_stat "$server" before; } >"$dir/$step.loops"
	run_bounded $((seconds + 15)) "$dir/$step.txt" "${ON_CLIENT_CPUS[@]}" "$@" -d "${seconds}s" \
		"$(url "$server")${MEASURE_PATH:-}"
	cpu_stat "$server" after >>"$dir/$step.cpu"
	loop_stat "$server" after >>"$dir/$step.loops"
}

measure_few() { # SERVER CONNECTIONS DIR: keep-alive with few connections, open ones per listener mid-step
	local server=$1 connections=$2 dir=$3 step=keepalive-c$2
	if b_like "$server"; then
		# One scrape in the middle of the step, on one connection that first asks which loop
		# serves it, so that the report can take the scrape's own connection out
		timeout -k 1 $((KEEPALIVE + 5)) bash -c 'sleep "$1" && exec curl -s -m 3 "$2thread" -o "$3.scrape-thread.txt" \
			"$2actuator/prometheus" -o "$3.prom.txt"' bash "$((KEEPALIVE / 2)).$((KEEPALIVE % 2 * 5))" \
			"$(url "$server")" "$dir/$step" &
		SCRAPE_PID=$!
	fi
	measure "$server" "$step" "$KEEPALIVE" "$dir" wrk -t "$((WRK_THREADS < connections ? WRK_THREADS : connections))" \
		-c "$connections" --timeout 2s --latency
	if [[ -n "$SCRAPE_PID" ]]; then
		wait "$SCRAPE_PID" || log "$server: the scrape in the middle of $step failed; see $dir"
		SCRAPE_PID=
	fi
}

warm_up() { # SERVER: keep-alive, then churn, each until stable or capped
	local server=$1 dir=$RAW/warmup/$1
	mkdir -p "$dir"
	run_bounded $((WARMUP_MAX + 30)) "$dir/keepalive.properties" "${ON_CLIENT_CPUS[@]}" "${WARMUP_CMD[@]}" \
		--log "$dir/keepalive.log" -- "${WRK[@]}" "$(url "$server")"
	run_bounded $((WARMUP_MAX + 30)) "$dir/churn.properties" "${ON_CLIENT_CPUS[@]}" "${WARMUP_CMD[@]}" \
		--log "$dir/churn.log" -- "${WRK[@]}" "${CLOSE[@]}" "$(url "$server")"
	log "$server warm: keep-alive $(figure 's/^seconds=//p' "$dir/keepalive.properties")s" \
		"(stable $(figure 's/^stable=//p' "$dir/keepalive.properties")), churn" \
		"$(figure 's/^seconds=//p' "$dir/churn.properties")s (stable $(figure 's/^stable=//p' "$dir/churn.properties"))"
}

warm_up_proxy() { # SERVER: GET /proxy with keep-alive until stable or capped
	local server=$1 dir=$RAW/warmup/$1
	mkdir -p "$dir"
	run_bounded $((WARMUP_MAX + 30)) "$dir/proxy.properties" "${ON_CLIENT_CPUS[@]}" "${WARMUP_CMD[@]}" \
		--log "$dir/proxy.log" -- "${WRK[@]}" "$(url "$server")proxy"
	log "$server warm for the proxy: $(figure 's/^seconds=//p' "$dir/proxy.properties")s" \
		"(stable $(figure 's/^stable=//p' "$dir/proxy.properties"))"
}

proxy_loops() { # SERVER: the bench app's counts of downstream responses on and off the inbound loop
	curl -s -m 5 "$(url "$1")proxy/loops" 2>/dev/null || true
}

measure_proxy() { # SERVER DIR: the proxy scenario's keep-alive and churn steps
	local server=$1 dir=$2
	echo "before $(proxy_loops "$server")" >"$dir/proxy.share"
	MEASURE_PATH=proxy measure "$server" proxy "$KEEPALIVE" "$dir" "${WRK[@]}"
	echo "after $(proxy_loops "$server")" >>"$dir/proxy.share"
	echo "before $(proxy_loops "$server")" >"$dir/proxy-churn.share"
	MEASURE_PATH=proxy measure "$server" proxy-churn "$CHURN" "$dir" "${WRK[@]}" "${CLOSE[@]}"
	echo "after $(proxy_loops "$server")" >>"$dir/proxy-churn.share"
}

start_backend() { # the proxy scenario's backend: nginx on the clients' CPUs, on a fresh port
	fresh_port
	local port=$PORT conf=$WORK_DIR/backend-$PORT dir=$RAW/servers/backend i
	write_nginx_conf "$conf" "$port" "$MAIN_BACKLOG" "$BACKEND_WORKERS"
	mkdir -p "$dir" && cp "$conf/nginx.conf" "$dir/"
	"${ON_CLIENT_CPUS[@]}" nginx -p "$conf" -c "$conf/nginx.conf" -e "$conf/error.log" >"$dir/server.log" 2>&1 &
	SERVER_PIDS[backend]=$!
	SERVER_PORTS[backend]=$port
	for ((i = 0; i < 100; i++)); do
		if [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null) == 200 ]]; then
			log "proxy backend (nginx, $BACKEND_WORKERS workers) up on port $port (pid ${SERVER_PIDS[backend]})"
			APP_ARGS=("--bench.backend-url=http://127.0.0.1:$port/")
			return 0
		fi
		sleep 0.1
	done
	log "the proxy backend did not answer within 10s; see $dir/server.log"
	stop_server backend
	return 1
}

measure_http3() { # SERVER CONNECTIONS DIR: one http3 step, warmed up until stable, with the server's CPU
	local server=$1 connections=$2 dir=$3
	mkdir -p "$dir"
	run_bounded $((WARMUP_MAX + HTTP3_SECONDS + 30)) "$dir/c$connections.properties" "${ON_CLIENT_CPUS[@]}" \
		"${HTTP3_CMD[@]}" --port "${SERVER_PORTS[$server]}" --server-pid "${SERVER_PIDS[$server]}" \
		--connections "$connections"
	log "http3 round $round: $server $connections connections $(figure 's/^rps=//p' "$dir/c$connections.properties")" \
		"req/s, $(figure 's/^cpu.us.per.request=//p' "$dir/c$connections.properties") CPU µs/req, busiest loop" \
		"$(figure 's/^loop.busiest=//p' "$dir/c$connections.properties"), errors $(figure 's/^errors=//p' "$dir/c$connections.properties")"
}

burst() { # SERVER DIR VARIANT [client options...]
	local server=$1 dir=$2 variant=$3
	shift 3
	run_bounded $((BURST_TIMEOUT + 30)) "$dir/$variant.txt" "${ON_CLIENT_CPUS[@]}" "${BURST_CMD[@]}" \
		--port "${SERVER_PORTS[$server]}" "$@"
	log "$server burst ($variant, backlog ${dir##*burst-}): connect p99" \
		"$(figure 's/^connect.p99.ms=//p' "$dir/$variant.txt") ms, ListenOverflows" \
		"$(figure 's/^listenOverflows=//p' "$dir/$variant.txt")"
}

bursts() { # SERVER BACKLOG: the burst alone, then during a stalled loop (A, B, B0 and, with
	# --variant-phases all, the variants)
	local server=$1 dir=$RAW/burst-$2/$1
	mkdir -p "$dir"
	ss -Hltn "sport = :${SERVER_PORTS[$server]}" >"$dir/listen.txt" 2>/dev/null || true
	burst "$server" "$dir" alone
	if [[ " $BURST_STALL_SERVERS " == *" $server "* ]]; then
		burst "$server" "$dir" stalled --stall-ms "$BURST_STALL_MS"
	fi
}

# ---------------------------------------------------------------------------------------
# The run: start and warm every server once, alternate the measured rounds, then the
# stalled loop and the bursts, then the bursts at the other backlogs on fresh servers.
# ---------------------------------------------------------------------------------------
log "mode $MODE: $ROUNDS round(s), servers ${STARTED_SERVERS% }, $LOOPS loops, budget ${BUDGET}s, raw files in ${RAW#"$ROOT_DIR"/}"
log "scenarios: $SCENARIOS; tcp_migrate_req $MIGRATE_DESC"
read -r -a STEADY_LIST <<<"$STEADY_SERVERS"
read -r -a PROXY_LIST <<<"$PROXY_SERVERS"
read -r -a STARTED_LIST <<<"$STARTED_SERVERS"
read -r -a STALL_RUN_LIST <<<"$STALL_RUN_SERVERS"
# The bursts at the other backlogs restart A, B and B0 (and variants), but not B-norelief
read -r -a STALL_LIST <<<"$BURST_STALL_SERVERS"
read -r -a BURST_LIST <<<"$BURST_SERVERS"
read -r -a FEW_LIST <<<"$FEW"
# The rounds measure the steady-state servers and the proxy servers, in the started order
ROUND_LIST=()
for server in "${STARTED_LIST[@]}"; do
	if in_list "$server" "$STEADY_SERVERS $PROXY_SERVERS"; then ROUND_LIST+=("$server"); fi
done
BURST_SECONDS=$((4 + BURST / 4000))
# Seconds that the phases after the rounds are expected to take, kept free of rounds
TAIL=$((${#STALL_RUN_LIST[@]} * (LOOPS * (STALL_BLOCK_MS + STALL_GAP_MS) / 1000 + 8)
	+ (${#BURST_LIST[@]} + ${#STALL_LIST[@]}) * BURST_SECONDS
	+ (${#BACKLOG_LIST[@]} - 1) * ${#STALL_LIST[@]} * (25 + 2 * BACKLOG_WARMUP + 2 * BURST_SECONDS)))
ROUND_SECONDS=$((${#STEADY_LIST[@]} * (KEEPALIVE + CHURN + 2 + ${#FEW_LIST[@]} * (KEEPALIVE + 1))
	+ ${#PROXY_LIST[@]} * (KEEPALIVE + CHURN + 3)))
# The http3 scenario runs last, on its own servers: its first round is kept free too
read -r -a HTTP3_LIST <<<"$HTTP3_SERVERS"
read -r -a HTTP3_CONNECTIONS_LIST <<<"$HTTP3_CONNECTIONS"
HTTP3_ROUND_SECONDS=$((${#HTTP3_LIST[@]} * ${#HTTP3_CONNECTIONS_LIST[@]} * (WINDOW * WARMUP_WINDOWS + HTTP3_SECONDS + 4)))
((${#HTTP3_LIST[@]} == 0)) || TAIL=$((TAIL + 30 + HTTP3_ROUND_SECONDS))

APP_ARGS=()
if ((${#PROXY_LIST[@]} > 0)); then
	start_backend || log "no proxy backend: the proxy steps will fail"
fi
for server in "${STARTED_LIST[@]}"; do
	start_server "$server" "$MAIN_BACKLOG" "$RAW/servers/$server" || true
done
for server in "${STARTED_LIST[@]}"; do
	up "$server" || continue
	# GET / for what the steady state, the stalled loop and the bursts measure; GET /proxy
	# for the proxy scenario
	if in_list "$server" "$STEADY_SERVERS $STALL_RUN_SERVERS $BURST_SERVERS"; then warm_up "$server"; fi
	if in_list "$server" "$PROXY_SERVERS"; then warm_up_proxy "$server"; fi
done

COMPLETED=0
STOPPED_EARLY=
# The http3 scenario has rounds of its own, as many
HTTP3_ROUNDS=$ROUNDS
((${#ROUND_LIST[@]} > 0)) || ROUNDS=0
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round > 1 && $(date +%s) + ROUND_SECONDS + TAIL > DEADLINE)); then
		STOPPED_EARLY="the ${BUDGET}s budget left no time for round $round (a round takes about ${ROUND_SECONDS}s;"
		STOPPED_EARLY+=" ${TAIL}s are kept for the stalled loop and the bursts)"
		break
	fi
	# Alternate the order, so that no server always follows the same one
	order=("${ROUND_LIST[@]}")
	if ((round % 2 == 0)); then
		order=()
		for ((i = ${#ROUND_LIST[@]} - 1; i >= 0; i--)); do order+=("${ROUND_LIST[i]}"); done
	fi
	for server in "${order[@]}"; do
		up "$server" || continue
		dir=$RAW/round-$round/$server
		mkdir -p "$dir"
		if in_list "$server" "$PROXY_SERVERS"; then
			measure_proxy "$server" "$dir"
			log "round $round: $server proxy keep-alive $(figure 's/^Requests\/sec: *//p' "$dir/proxy.txt") req/s," \
				"churn $(figure 's/^Requests\/sec: *//p' "$dir/proxy-churn.txt") req/s"
		fi
		in_list "$server" "$STEADY_SERVERS" || continue
		measure "$server" keepalive "$KEEPALIVE" "$dir" "${WRK[@]}"
		measure "$server" churn "$CHURN" "$dir" "${WRK[@]}" "${CLOSE[@]}"
		if b_like "$server"; then
			curl -s -m 5 "$(url "$server")actuator/prometheus" >"$dir/prom-after-churn.txt" || true
		fi
		few=
		for connections in "${FEW_LIST[@]}"; do
			measure_few "$server" "$connections" "$dir"
			few+=", $connections connections $(figure 's/^Requests\/sec: *//p' "$dir/keepalive-c$connections.txt") req/s"
		done
		log "round $round: $server keep-alive $(figure 's/^Requests\/sec: *//p' "$dir/keepalive.txt") req/s," \
			"churn $(figure 's/^Requests\/sec: *//p' "$dir/churn.txt") req/s$few"
	done
	COMPLETED=$round
done
if [[ -n "$STOPPED_EARLY" ]]; then log "stopped early: $STOPPED_EARLY"; fi

for server in "${STALL_RUN_LIST[@]}"; do
	up "$server" || continue
	dir=$RAW/stall/$server
	mkdir -p "$dir"
	run_bounded $((LOOPS * (STALL_BLOCK_MS + STALL_GAP_MS) / 1000 + 60)) "$dir/client.txt" "${ON_CLIENT_CPUS[@]}" \
		"${STALL_CMD[@]}" --port "${SERVER_PORTS[$server]}" --samples "$dir/samples.txt"
	log "$server stalled loop: $(figure 's/^loops.found=//p' "$dir/client.txt") loops blocked," \
		"$(figure 's/^connections=//p' "$dir/client.txt") new connections"
done
for server in "${BURST_LIST[@]}"; do
	if up "$server"; then bursts "$server" "$MAIN_BACKLOG"; fi
done
stop_all_servers

for backlog in "${BACKLOG_LIST[@]:1}"; do
	for server in "${STALL_LIST[@]}"; do
		if (($(date +%s) + 25 + 2 * BACKLOG_WARMUP + 2 * BURST_SECONDS > DEADLINE + 120)); then
			log "budget spent: no burst at backlog $backlog for $server"
			continue
		fi
		start_server "$server" "$backlog" "$RAW/servers/$server-$backlog" || continue
		# A short warm-up, so that the burst does not time the interpreter
		run_bounded $((BACKLOG_WARMUP + 15)) /dev/null "${ON_CLIENT_CPUS[@]}" "${WRK[@]}" -d "${BACKLOG_WARMUP}s" \
			"$(url "$server")"
		run_bounded $((BACKLOG_WARMUP + 15)) /dev/null "${ON_CLIENT_CPUS[@]}" "${WRK[@]}" -d "${BACKLOG_WARMUP}s" \
			"${CLOSE[@]}" "$(url "$server")"
		bursts "$server" "$backlog"
		stop_server "$server"
	done
done

# HTTP/3: one UDP socket (H1) against one per loop (HN), in alternating rounds
HTTP3_COMPLETED=0
if ((${#HTTP3_LIST[@]} > 0)); then
	for server in "${HTTP3_LIST[@]}"; do
		start_server "$server" "$MAIN_BACKLOG" "$RAW/servers/$server" || true
	done
	for ((round = 1; round <= HTTP3_ROUNDS; round++)); do
		if ((round > 1 && $(date +%s) + HTTP3_ROUND_SECONDS > DEADLINE + 120)); then
			log "budget spent: no http3 round $round"
			break
		fi
		order=("${HTTP3_LIST[@]}")
		if ((round % 2 == 0)); then order=(); for ((i = ${#HTTP3_LIST[@]} - 1; i >= 0; i--)); do order+=("${HTTP3_LIST[i]}"); done; fi
		for connections in "${HTTP3_CONNECTIONS_LIST[@]}"; do
			for server in "${order[@]}"; do
				if up "$server"; then measure_http3 "$server" "$connections" "$RAW/http3/round-$round/$server"; fi
			done
		done
		HTTP3_COMPLETED=$round
	done
	stop_all_servers
fi

{
	echo "rounds.completed=$COMPLETED"
	echo "http3.rounds.completed=$HTTP3_COMPLETED"
	echo "elapsed.seconds=$(($(date +%s) - START_EPOCH))"
	echo "stopped.early=$STOPPED_EARLY"
} >>"$RAW/meta.properties"

# Exits 1 when a server did not start or an output is missing or unreadable: the harness
# is broken. Timings never fail the run.
render_report "$RAW"
