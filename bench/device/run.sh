#!/usr/bin/env bash
# Runs bench/run.sh on a machine without network, Java or the load tools, from the bundle that
# bench/device/bundle.sh wrote to .device-bundle/. Run it from a copy of the repository that
# carries .device-bundle/ (see bench/device/README.md):
#
#   bash bench/device/run.sh --quick
#   bash bench/device/run.sh --time-limit 590 --rounds 2
#
# Every option that is not one of this script's goes to bench/run.sh, after --no-build.
# What comes back goes to $OUT (default /tmp/reuseport-device-out): device.log (all output),
# raw.tar.gz (every file the run wrote under bench/results) and the report(s), *.md.
set -euo pipefail

DEVICE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$DEVICE_DIR/../.." && pwd)
RESULT_DIR=${REUSEPORT_DEVICE_RESULTS:-${OUT:-/tmp/reuseport-device-out}}

usage() {
	cat <<'EOF'
Usage: bash bench/device/run.sh [device options] [bench/run.sh options]

  --time-limit S     seconds for everything, from unpacking to the packed results (default
                     590). bench/run.sh runs under `timeout` with what is left less 20 s, and,
                     unless --quick or --budget-seconds is given, with --budget-seconds set
                     150 s below that, so that it ends with a report instead of being killed
  --unpack-dir DIR   where the bundle is unpacked (default /tmp/reuseport-device, ~220 MB)
  --allow-stale      run even though the bundle was built from other sources than this tree
  --device-help      this help (--help goes to bench/run.sh)

Results: $OUT/device.log, $OUT/raw.tar.gz and the report(s) *.md ($OUT defaults to
/tmp/reuseport-device-out).
EOF
}

# Everything printed goes to device.log as well, written as it comes, so that a run that is
# cut short still leaves its log behind
if [[ -z "${REUSEPORT_DEVICE_LOGGING:-}" ]]; then
	mkdir -p "$RESULT_DIR"
	set +e
	REUSEPORT_DEVICE_LOGGING=1 REUSEPORT_DEVICE_RESULTS=$RESULT_DIR bash "${BASH_SOURCE[0]}" "$@" 2>&1 |
		tee -a "$RESULT_DIR/device.log"
	exit "${PIPESTATUS[0]}"
fi

START_EPOCH=$(date +%s)
cd "$ROOT_DIR"
BUNDLE=$ROOT_DIR/.device-bundle
UNPACK=/tmp/reuseport-device
TIME_LIMIT=590
ALLOW_STALE=no
BENCH_ARGS=()
USER_BUDGET=no
QUICK=no
REPORT_OUT=
while (($# > 0)); do
	case "$1" in
	--time-limit) TIME_LIMIT=${2:-} && shift ;;
	--unpack-dir) UNPACK=${2:-} && shift ;;
	--allow-stale) ALLOW_STALE=yes ;;
	--device-help) usage && exit 0 ;;
	*)
		case "$1" in
		--budget-seconds) USER_BUDGET=yes ;;
		--quick) QUICK=yes ;;
		--out) REPORT_OUT=${2:-} ;;
		esac
		BENCH_ARGS+=("$1")
		;;
	esac
	shift
done

log() { printf '[device %4ss] %s\n' "$(($(date +%s) - START_EPOCH))" "$*" >&2; }
die() { log "ERROR: $*" && exit 1; }
warn() { log "WARNING: $*"; }

[[ $TIME_LIMIT =~ ^[1-9][0-9]*$ ]] || die "--time-limit needs a number of seconds, not '$TIME_LIMIT'"
[[ $UNPACK == /?* && $UNPACK != *..* ]] || die "--unpack-dir needs an absolute path, not '$UNPACK'"
log "repository $ROOT_DIR, results to $RESULT_DIR, time limit ${TIME_LIMIT}s"

# ---------------------------------------------------------------------------------------
# What the machine itself has to provide
# ---------------------------------------------------------------------------------------
# bash's command -v also names a file that it cannot execute, when nothing else matches
have() { local path && path=$(command -v "$1") && [[ -f "$path" && -x "$path" ]]; }
missing=()
for tool in tar timeout sha256sum awk sed date mktemp nproc find sort cp touch; do
	have "$tool" || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "this machine lacks ${missing[*]} (coreutils, findutils, tar, awk)"
if have xz; then
	UNXZ=xz
elif have python3 && python3 -c 'import lzma, tarfile' 2>/dev/null; then
	UNXZ=python3
else
	die "neither xz nor python3 with lzma is here: one is needed to unpack the bundle"
fi
have gzip || have python3 || die "neither gzip nor python3 is here: one is needed to pack the results"

# ---------------------------------------------------------------------------------------
# The bundle: present, complete, and built from the sources in this tree
# ---------------------------------------------------------------------------------------
[[ -f "$BUNDLE/MANIFEST" ]] || die "no $BUNDLE/MANIFEST: build the bundle with bench/device/bundle.sh" \
	"on a machine with the JDK and the tools, and pass .device-bundle with the repository (carry)"
manifest() { sed -n "s/^$1=//p" "$BUNDLE/MANIFEST" | head -1; }
log "bundle built $(manifest built) from git $(manifest git): $(manifest java), tools: $(manifest tools)"
for part in jre tools bench; do
	[[ -f "$BUNDLE/$part.tar.xz" ]] || die "$BUNDLE/$part.tar.xz is missing: the bundle is incomplete"
	[[ $(sha256sum "$BUNDLE/$part.tar.xz" | cut -d' ' -f1) == "$(manifest "sha256.$part")" ]] ||
		die "$BUNDLE/$part.tar.xz does not match its checksum in MANIFEST: it is damaged or truncated"
done
source_hash() { # the same digest as bundle.sh's, without git
	local paths=() path
	for path in $(manifest sources); do [[ -e "$ROOT_DIR/$path" ]] && paths+=("$path"); done
	((${#paths[@]} > 0)) || die "none of the sources in MANIFEST ($(manifest sources)) is in $ROOT_DIR"
	(cd "$ROOT_DIR" && find "${paths[@]}" -type f ! -path '*/target/*' | LC_ALL=C sort | tr '\n' '\0' |
		xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
if [[ $(source_hash) != "$(manifest sources.sha256)" ]]; then
	if [[ $ALLOW_STALE == yes ]]; then
		warn "the bundle was built from other sources than this tree ($(manifest sources)); going on (--allow-stale)"
	else
		die "the bundle was built from other sources than this tree (one of: $(manifest sources))." \
			"Run bench/device/bundle.sh again, or pass --allow-stale to run the bundled build anyway"
	fi
fi

# ---------------------------------------------------------------------------------------
# Unpack, and put the tools first on the PATH
# ---------------------------------------------------------------------------------------
if [[ -e "$UNPACK" && ! -e "$UNPACK/.reuseport-device" ]] && [[ -n "$(ls -A "$UNPACK")" ]]; then
	die "$UNPACK exists and was not made by this script: pass another --unpack-dir"
fi
rm -rf "$UNPACK" && mkdir -p "$UNPACK" && touch "$UNPACK/.reuseport-device"
for part in jre tools bench; do
	log "unpacking $part.tar.xz with $UNXZ"
	if [[ $UNXZ == xz ]]; then
		xz -dc "$BUNDLE/$part.tar.xz" | tar -C "$UNPACK" -xf -
	else
		python3 - "$BUNDLE/$part.tar.xz" "$UNPACK" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as archive:
    if hasattr(tarfile, "tar_filter"):
        archive.extractall(sys.argv[2], filter="tar")
    else:
        archive.extractall(sys.argv[2])
EOF
	fi
done
export JAVA_HOME=$UNPACK/jre
# bench/run.sh installs what is missing (gnuplot, for one) with apt-get when it is root; with
# no network that fails only after apt-get's timeouts, so an apt-get that fails at once comes
# first on the PATH
mkdir -p "$UNPACK/shims"
printf '#!/bin/sh\necho "apt-get: no network here (bench/device/run.sh)" >&2\nexit 1\n' >"$UNPACK/shims/apt-get"
chmod 755 "$UNPACK/shims/apt-get"
# The bundled wrk, nginx, curl and taskset come before the machine's, so that the run uses the
# versions measured elsewhere; pgrep, ss and sysctl only stand in where the machine has none
export PATH=$UNPACK/shims:$JAVA_HOME/bin:$UNPACK/tools/bin:$PATH:/usr/sbin:/sbin:$UNPACK/tools/extra

# bench/run.sh --no-build reads bench/target/classes, bench/target/starter and the class
# path files bench/target/classpath*.txt: put the bundled ones there, pointing at the
# unpacked jars
TARGET=$ROOT_DIR/bench/target
mkdir -p "$TARGET"
rm -rf "$TARGET/classes" "$TARGET/starter" "$TARGET"/classpath*.txt
cp -R "$UNPACK/bench/target/." "$TARGET/"
for rel_file in "$UNPACK"/bench/classpath*.rel; do
	awk -v root="$UNPACK" '{ printf "%s%s/%s", (NR > 1 ? ":" : ""), root, $0 }' "$rel_file" \
		>"$TARGET/$(basename "$rel_file" .rel).txt"
	while IFS= read -r entry; do
		[[ -f "$UNPACK/$entry" ]] || die "$entry is on a class path but not in the bundle"
	done <"$rel_file"
done
log "bench/target: $(find "$TARGET/classes" -name '*.class' | wc -l) classes," \
	"$(find "$TARGET/starter" -name '*.jar' | wc -l) starter jars, $(wc -l <"$UNPACK/bench/classpath.rel") jars on A's and B's class path"

# ---------------------------------------------------------------------------------------
# Tools and machine
# ---------------------------------------------------------------------------------------
check() { # NAME COMMAND...: print the first line of its version, or stop
	local name=$1 output
	shift
	output=$("$@" 2>&1) || [[ $name == wrk ]] || die "$name does not run ($(command -v "$name")): $output"
	[[ -n "$output" ]] || die "$name printed nothing"
	printf '  %-8s %s (%s)\n' "$name" "$(head -1 <<<"$output")" "$(command -v "$name")" >&2
}
log "tools:"
check java java -version
check wrk wrk -v # prints its version with the usage and exits with 1
check nginx nginx -v
check curl curl --version
if have taskset; then check taskset taskset -V; else warn "no taskset: --pin will not work"; fi
for tool in timeout unshare ip pgrep ss sysctl git; do
	if have "$tool"; then printf '  %-8s %s\n' "$tool" "$(command -v "$tool")" >&2; else printf '  %-8s absent\n' "$tool" >&2; fi
done
log "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))," \
	"kernel $(uname -r), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
	"ulimit -n $(ulimit -n) (hard $(ulimit -Hn)), user $(id -un 2>/dev/null || id -u)"
if SOMAXCONN=$(sysctl -n net.core.somaxconn 2>/dev/null || cat /proc/sys/net/core/somaxconn 2>/dev/null); then
	log "net.core.somaxconn=$SOMAXCONN"
else
	warn "net.core.somaxconn cannot be read (sysctl nor /proc/sys/net/core/somaxconn): bench/run.sh needs it"
fi
if grep -q 'ListenOverflows' /proc/net/netstat 2>/dev/null; then
	log "/proc/net/netstat has TcpExt ListenOverflows"
else
	warn "/proc/net/netstat has no TcpExt ListenOverflows: the burst cannot report accept-queue overflows"
fi
CP=$TARGET/classes:$TARGET/starter/*:$(cat "$TARGET/classpath.txt")
log "DeviceCheck (epoll and SO_REUSEPORT on 127.0.0.1):"
if ! timeout 60 java -cp "$UNPACK/bench/check:$CP" DeviceCheck 2>&1 | sed 's/^/  /' >&2; then
	warn "DeviceCheck failed: the servers may fall back to NIO or fail to bind; see above"
fi

# ---------------------------------------------------------------------------------------
# The benchmark, then its files packed into $OUT
# ---------------------------------------------------------------------------------------
MARKER=$UNPACK/.bench-started
BENCH_STARTED=no
collect() {
	local rc=$? list report name count=0 size
	trap - EXIT
	set +e
	if [[ $BENCH_STARTED == yes ]]; then
		list=$UNPACK/.results-list
		(cd "$ROOT_DIR" && find bench/results -type f -newer "$MARKER" | LC_ALL=C sort) >"$list"
		if [[ -n "$REPORT_OUT" && -f "$REPORT_OUT" ]]; then
			report=$(cd "$ROOT_DIR" && realpath --relative-to=. "$REPORT_OUT" 2>/dev/null || echo "$REPORT_OUT")
			grep -qxF "$report" "$list" || echo "$report" >>"$list"
		fi
		log "packing $(wc -l <"$list") result files into $RESULT_DIR/raw.tar.gz"
		if have gzip; then
			tar -C "$ROOT_DIR" -czf "$RESULT_DIR/raw.tar.gz" -T "$list"
		else
			(cd "$ROOT_DIR" && python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as archive:
    for name in open(sys.argv[2]).read().splitlines():
        archive.add(name)
' "$RESULT_DIR/raw.tar.gz" "$list")
		fi
		size=$(stat -c %s "$RESULT_DIR/raw.tar.gz")
		((size < 16 * 1048576)) || warn "raw.tar.gz is $size bytes: over the 16 MiB that comes back"
		# the reports, next to the log and the archive: at most 8 files come back
		while IFS= read -r report; do
			[[ $report == *.md ]] || continue
			((count < 5)) || { warn "more than 5 reports; the others are in raw.tar.gz" && break; }
			name=$(basename "$report")
			[[ ! -e "$RESULT_DIR/$name" ]] || name=$count-$name
			cp "$ROOT_DIR/$report" "$RESULT_DIR/$name"
			count=$((count + 1))
			log "report: $RESULT_DIR/$name (from $report)"
		done < <(grep -v '/raw/' "$list"; grep '/raw/.*\.md$' "$list")
		((count > 0)) || warn "the run wrote no report (*.md)"
	fi
	log "done with status $rc after $(($(date +%s) - START_EPOCH))s"
	exit "$rc"
}
trap collect EXIT
trap 'log "interrupted"; exit 130' INT TERM

BENCH_LIMIT=$((TIME_LIMIT - ($(date +%s) - START_EPOCH) - 20))
((BENCH_LIMIT >= 60)) || die "only ${BENCH_LIMIT}s of the ${TIME_LIMIT}s time limit are left for the benchmark"
# bench/run.sh lets the bursts after its rounds run up to 120 s past its budget, and then
# writes the report: leave it that much and more
if [[ $USER_BUDGET == no && $QUICK == no ]]; then
	BENCH_ARGS+=(--budget-seconds $((BENCH_LIMIT > 210 ? BENCH_LIMIT - 150 : 60)))
fi
# A second back, so that no file the run writes has the marker's time
touch -d "@$(($(date +%s) - 1))" "$MARKER"
BENCH_STARTED=yes
log "bench/run.sh --no-build ${BENCH_ARGS[*]} (killed after ${BENCH_LIMIT}s)"
set +e
# OUT is the device's result folder, not bench/run.sh's report file
timeout -k 8 "$BENCH_LIMIT" env -u OUT "BENCH_GIT_DESC=$(manifest git) (bundle)" bash "$ROOT_DIR/bench/run.sh" --no-build "${BENCH_ARGS[@]}"
rc=$?
set -e
((rc != 124 && rc != 137)) || warn "bench/run.sh hit the ${BENCH_LIMIT}s limit and was stopped"
log "bench/run.sh ended with status $rc"
exit "$rc"
