#!/usr/bin/env bash
# Shows, on the machine that built it, that the bundle needs nothing from this machine but
# what a minimal Ubuntu has: runs bench/device/run.sh from a copy of the working tree (as the
# device gets it: with .device-bundle/, without bench/target or .git), with an empty
# environment and a PATH of coreutils, bash, sed, awk, grep, findutils, tar, gzip, unshare,
# getconf, perl and python3 (no procps, iproute2 or xz), in a private mount namespace that
# hides /usr/lib/jvm, ~/.m2, /usr/sbin and the libraries that the bundled tools and the JVM
# load (libluajit, libcurl, libssl, libcrypto, libnghttp2, libstdc++). So python3 unpacks the
# bundle, and the bundled pgrep, ss, sysctl and ip stand in (ip for the private network
# namespace). Needs root (unshare -m).
#
#   bench/device/test-offline.sh              runs bench/device/run.sh --quick
#   bench/device/test-offline.sh OPTIONS...   runs bench/device/run.sh OPTIONS...
#
# It leaves the copy, the unpacked bundle and the results in /tmp/reuseport-device-test.*
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '[offline-test] %s\n' "$*" >&2; }
die() { log "ERROR: $*" && exit 1; }

[[ $(id -u) == 0 ]] || die "needs root, for unshare -m and the bind mounts that hide the tools"
[[ -f "$ROOT_DIR/.device-bundle/MANIFEST" ]] || die "no .device-bundle/: run bench/device/bundle.sh first"
(($# > 0)) || set -- --quick

WORK=$(mktemp -d /tmp/reuseport-device-test.XXXXXX)
mkdir -p "$WORK/repo" "$WORK/out"
log "copying the working tree and .device-bundle/ to $WORK/repo"
(cd "$ROOT_DIR" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' file; do
	[[ -f "$file" ]] && printf '%s\0' "$file"
done | tar --null -T - -cf -) | tar -C "$WORK/repo" -xf -
cp -R "$ROOT_DIR/.device-bundle" "$WORK/repo/"

# The PATH holds only what a minimal Ubuntu has: coreutils, bash, sed, awk, grep, findutils,
# tar, gzip, util-linux's unshare, getconf, getent, which, diff, perl, hostname and python3. /usr/sbin, which the scripts add to the PATH,
# is hidden as a whole.
SYSBIN=$WORK/sysbin
mkdir -p "$SYSBIN"
for tool in $(dpkg -L coreutils | sed -n 's|^\(/usr\)\{0,1\}/bin/||p') bash sh sed awk grep find xargs tar gzip unshare python3 \
	getconf getent which diff cmp perl hostname; do
	path=$(type -P "$tool" || true)
	[[ -n "$path" && $path != /root/* ]] || path=/usr/bin/$tool
	[[ -x "$path" ]] && ln -sf "$path" "$SYSBIN/$tool"
done
HIDE_DIRS=(/usr/lib/jvm "$HOME/.m2" /usr/sbin)
HIDE=()
for lib in libluajit-5.1.so.2 libcurl.so.4 libssl.so.3 libcrypto.so.3 libnghttp2.so.14 libstdc++.so.6; do
	path=$(/sbin/ldconfig -p | awk -v lib="$lib" '$1 == lib && /x86-64/ { print $NF; exit }')
	[[ -n "$path" ]] && HIDE+=("$(readlink -f "$path")")
done
log "PATH=$SYSBIN only ($(ls "$SYSBIN" | wc -l) commands); hiding ${HIDE_DIRS[*]} and ${HIDE[*]}"

# The namespace ends with this command, and the mounts with it
rc=0
unshare -m --propagation private -- bash -euc '
	work=$1 dirs=$2
	shift 2
	for dir in $dirs; do [[ -d $dir ]] && mount -t tmpfs -o ro tmpfs "$dir"; done
	while [[ $1 != -- ]]; do mount --bind /dev/null "$1"; shift; done
	shift
	cd "$work/repo"
	exec env -i PATH="$work/sysbin" HOME=/nonexistent \
		LANG=C.UTF-8 OUT="$work/out" bash bench/device/run.sh --unpack-dir "$work/unpack" "$@"
' bash "$WORK" "${HIDE_DIRS[*]}" "${HIDE[@]}" -- "$@" || rc=$?
log "bench/device/run.sh ended with status $rc; what came back, in $WORK/out:"
ls -la "$WORK/out" >&2
exit "$rc"
