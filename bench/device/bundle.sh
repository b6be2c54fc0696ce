#!/usr/bin/env bash
# Packs everything that bench/run.sh needs besides bash and coreutils into .device-bundle/,
# for a machine without network, Java or the load tools. See bench/device/README.md.
#
#   bench/device/bundle.sh              build the starter and the bench, then pack
#   bench/device/bundle.sh --no-build   pack the current bench/target
#
# The bundle holds three xz archives and a manifest:
#   jre.tar.xz    a jlink'd Java 17 runtime, with the non-glibc libraries it loads
#   tools.tar.xz  wrk, nginx, curl, taskset (and pgrep, ss, sysctl, unshare, ip as fallbacks), each behind
#                 a wrapper that points LD_LIBRARY_PATH at their non-glibc libraries
#   bench.tar.xz  bench/target (classes, starter jars) and every jar of its class path files
#                 (classpath.txt and the other servers' classpath-*.txt), under m2/ by its
#                 path in the local Maven repository
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JDK=/usr/lib/jvm/java-17-openjdk-amd64
DEST=$ROOT_DIR/.device-bundle
BUILD=yes
XZ_LEVEL=6
M2_REPO=${M2_REPO:-$HOME/.m2/repository}

usage() {
	cat <<'EOF'
Usage: bench/device/bundle.sh [--no-build] [--jdk DIR] [--dest DIR]

  --no-build   pack bench/target as it is (default: build the starter and the bench first)
  --jdk DIR    JDK 17 with jmods (default /usr/lib/jvm/java-17-openjdk-amd64)
  --dest DIR   bundle folder (default .device-bundle in the repository root)
EOF
}

while (($# > 0)); do
	case "$1" in
	--no-build) BUILD=no ;;
	--jdk) JDK=$2 && shift ;;
	--dest) DEST=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) echo "Unknown option: $1" >&2 && usage >&2 && exit 2 ;;
	esac
	shift
done

log() { printf '[bundle] %s\n' "$*" >&2; }
die() { log "ERROR: $*" && exit 1; }

for tool in xz tar ldd python3 sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is needed to build the bundle"
done
[[ -x "$JDK/bin/jlink" && -d "$JDK/jmods" ]] || die "$JDK has no bin/jlink or jmods/: pass a JDK 17 with --jdk"
[[ $("$JDK/bin/java" -version 2>&1) == *'version "17.'* ]] || die "$JDK is not a Java 17 JDK"

cd "$ROOT_DIR"
# What the bench build is made from (bench/run.sh itself is not built); run.sh computes the
# same digest on the device, without git, and refuses a bundle built from other sources
SOURCES="pom.xml reuseport-spring-boot-autoconfigure/pom.xml reuseport-spring-boot-autoconfigure/src/main"
SOURCES+=" reuseport-spring-boot-starter bench/pom.xml bench/src/main"
source_hash() {
	# shellcheck disable=SC2086 # a list of paths without spaces
	git ls-files -co --exclude-standard -- $SOURCES | grep -v '/target/' | LC_ALL=C sort |
		while IFS= read -r file; do
			[[ -f "$file" ]] || continue
			printf '%s\0' "$file"
		done | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
SOURCES_HASH=$(source_hash)
if [[ $BUILD == yes ]]; then
	log "building the starter and the bench"
	./mvnw -q -B install -DskipTests -pl reuseport-spring-boot-starter -am
	./mvnw -q -B -f bench/pom.xml package -DskipTests
fi
[[ -f bench/target/classpath.txt && -d bench/target/classes && -d bench/target/starter ]] ||
	die "bench/target is not built: run without --no-build"
# shellcheck disable=SC2086 # a list of paths without spaces
if [[ $BUILD == no && -n "$(find $SOURCES -type f ! -path '*/target/*' -newer bench/target/classpath.txt -print -quit)" ]]; then
	die "sources changed since bench/target was built: run without --no-build"
fi

STAGE=$(mktemp -d /tmp/reuseport-bundle.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

# ---------------------------------------------------------------------------------------
# Shared libraries: everything a binary loads except glibc itself, which the device has
# (2.39 there, 2.36 here: newer glibc runs older binaries, not the reverse)
# ---------------------------------------------------------------------------------------
is_glibc() { # LIBRARY_PATH
	local real owner
	real=$(readlink -f "$1")
	# dpkg knows the owner under /usr/lib or /lib, depending on where usrmerge left it
	owner=$(dpkg -S "$1" "$real" "/usr$1" "/usr$real" 2>/dev/null | head -1 | cut -d: -f1 || true)
	if [[ -n "$owner" ]]; then
		[[ $owner == libc6 || $owner == libc6-* ]]
	else
		[[ $(basename "$1") =~ ^(libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl|libnsl|libthread_db|libBrokenLocale|libnss_[a-z]+|libmemusage|libpcprofile|libc_malloc_debug)\.so|^ld-linux ]]
	fi
}

# copy_libraries DIR BINARY...: copies each non-glibc library that the binaries load into
# DIR, named by its soname, the name the dynamic linker looks for
copy_libraries() {
	local dir=$1 binary line name path
	shift
	mkdir -p "$dir"
	for binary in "$@"; do
		while read -r line; do
			# libjvm.so is in lib/server, loaded by the launcher before the libraries that need it
			if [[ $line == *"not found"* && $line != libjvm.so* ]]; then die "$binary: a library is missing here: $line"; fi
			[[ $line =~ ^([^[:space:]]+)[[:space:]]+=\>[[:space:]]+(/[^[:space:]]+) ]] || continue
			name=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
			[[ $path == "$dir"/* || -e "$dir/$name" ]] && continue
			is_glibc "$path" && continue
			cp -L "$path" "$dir/$name"
		done < <(ldd "$binary")
	done
}

# ---------------------------------------------------------------------------------------
# Java runtime
# ---------------------------------------------------------------------------------------
# Every jar of every class path file, once: classpath.txt (A, B, B0) and the other servers'
CP_FILES=(bench/target/classpath*.txt)
CP_JARS=()
# (each file is one line without a newline at its end)
IFS=: read -r -a CP_JARS <<<"$(for file in "${CP_FILES[@]}"; do cat "$file" && echo; done | tr ':' '\n' | grep . |
	awk '!seen[$0]++' | paste -sd:)"
CLASSPATH_ALL=bench/target/classes:$(find bench/target/starter -name '*.jar' -printf '%p:')$(cat bench/target/classpath.txt)

# What jdeps finds in the classes, plus what Spring Boot, Netty and the actuator reach by
# reflection or service loading, which jdeps cannot see
MODULES=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming
MODULES+=,java.net.http,java.prefs,java.scripting,java.security.jgss,java.sql,java.xml,jdk.crypto.ec
MODULES+=,jdk.jfr,jdk.management,jdk.management.agent,jdk.naming.dns,jdk.unsupported,jdk.zipfs
# jcmd and jstack, to look into a server that hangs on the device
MODULES+=,jdk.jcmd
log "jdeps over bench/target and ${#CP_JARS[@]} jars"
if found=$("$JDK/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps -q \
	--class-path "$CLASSPATH_ALL" bench/target/classes "${CP_JARS[@]}" 2>/dev/null); then
	MODULES+=,$found
else
	log "jdeps failed; using the fixed module list"
fi
MODULES=$(tr ',' '\n' <<<"$MODULES" | grep . | sort -u | paste -sd,)
log "jlink: $MODULES"
# No jlink compression: xz packs the uncompressed image into 2/3 of the size of a
# --compress=2 image (23 MB against 35 MB)
"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$MODULES" --strip-debug --no-man-pages \
	--no-header-files --compress=0 --generate-cds-archive --output "$STAGE/jre/jre" >/dev/null
# The archive for heaps over 32 GB; the bench runs its JVMs with 256 MB and 512 MB
rm -f "$STAGE/jre/jre/lib/server/classes_nocoops.jsa"
# bin/java has the RPATH $ORIGIN/../lib, and the libraries in lib/ have $ORIGIN, so lib/ is
# searched first for what the JVM loads (libstdc++, libgcc_s, zlib). The desktop libraries
# (X11, fonts, images, sound) are left out: a headless server never loads them.
JRE_BINARIES=("$STAGE/jre/jre/bin/java" "$STAGE/jre/jre/lib/server/libjvm.so")
while IFS= read -r -d '' so; do
	case "$(basename "$so")" in
	libawt* | libfontmanager* | liblcms* | libjavajpeg* | libmlib_image* | libsplashscreen* | libjsound* | libjawt*) ;;
	*) JRE_BINARIES+=("$so") ;;
	esac
done < <(find "$STAGE/jre/jre/lib" -maxdepth 1 -name '*.so' -print0)
copy_libraries "$STAGE/jre/jre/lib" "${JRE_BINARIES[@]}"
"$STAGE/jre/jre/bin/java" -version 2>&1 | head -1 >&2

# ---------------------------------------------------------------------------------------
# Load tools
# ---------------------------------------------------------------------------------------
TOOLS=$STAGE/tools/tools
mkdir -p "$TOOLS/bin" "$TOOLS/extra" "$TOOLS/libexec"
add_tool() { # NAME FOLDER REQUIRED
	local name=$1 folder=$2 required=$3 path
	path=$(PATH=$PATH:/usr/sbin:/sbin command -v "$name" || true)
	if [[ -z "$path" ]]; then
		[[ $required == yes ]] && die "$name is not installed here (apt-get install $name)"
		log "$name is not installed here; the bundle goes without it"
		return 0
	fi
	cp -L "$path" "$TOOLS/libexec/$name"
	copy_libraries "$TOOLS/lib" "$TOOLS/libexec/$name"
	# exec keeps the PID, which bench/run.sh records to stop the process
	cat >"$TOOLS/$folder/$name" <<EOF
#!/bin/sh
tools=\$(cd "\$(dirname "\$0")/.." && pwd)
LD_LIBRARY_PATH=\$tools/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
exec "\$tools/libexec/$name" "\$@"
EOF
	chmod 755 "$TOOLS/$folder/$name"
}
add_tool wrk bin yes
add_tool nginx bin yes
add_tool curl bin yes
add_tool taskset bin no
# Fallbacks that bench/run.sh can do without; run.sh puts them last on the PATH
add_tool pgrep extra no
add_tool ss extra no
add_tool sysctl extra no
# The private network namespace (unshare -n, then ip link set lo up), where bench/run.sh sets
# net.ipv4.tcp_migrate_req=1 for the stall relief row
add_tool unshare extra no
add_tool ip extra no
[[ $("$TOOLS/bin/wrk" -v 2>&1 || true) == wrk* ]] || die "the bundled wrk does not run"
[[ $("$TOOLS/bin/nginx" -v 2>&1 || true) == "nginx version"* ]] || die "the bundled nginx does not run"
"$TOOLS/bin/curl" --version >/dev/null || die "the bundled curl does not run"

# ---------------------------------------------------------------------------------------
# Bench build and class path
# ---------------------------------------------------------------------------------------
BENCH=$STAGE/bench/bench
mkdir -p "$BENCH/target" "$BENCH/m2" "$BENCH/other" "$BENCH/check"
tar -C bench/target -cf - --exclude=generated-sources --exclude=generated-test-sources \
	--exclude=maven-status --exclude=maven-archiver --exclude=test-classes --exclude='classpath*.txt' . |
	tar -C "$BENCH/target" -xf -
bundled_path() { # JAR: its path in the bundle, under bench/
	case "$1" in
	"$M2_REPO"/*) echo "m2/${1#"$M2_REPO"/}" ;;
	*) echo "other/$(basename "$1")" ;;
	esac
}
# NAME.rel for each class path file NAME.txt: one entry a line, relative to the unpacked
# bundle; run.sh expands each into bench/target/NAME.txt
for file in "${CP_FILES[@]}"; do
	rel_file=$BENCH/$(basename "$file" .txt).rel
	: >"$rel_file"
	IFS=: read -r -a jars <<<"$(cat "$file")"
	for jar in "${jars[@]}"; do
		printf 'bench/%s\n' "$(bundled_path "$jar")" >>"$rel_file"
	done
done
for jar in "${CP_JARS[@]}"; do
	[[ -f "$jar" ]] || die "$jar (in a class path file of bench/target) does not exist"
	rel=$(bundled_path "$jar")
	mkdir -p "$BENCH/$(dirname "$rel")"
	printf '%s\0%s\0' "$jar" "$BENCH/$rel"
done | python3 -c '
# Rewrites each jar with stored (uncompressed) entries: xz then compresses the class files
# across jars, which makes the archive half the size (19 MB against 36 MB). The CRC of every
# entry is checked against the original, so the content is the same.
import os, sys, zipfile
items = [os.fsdecode(item) for item in sys.stdin.buffer.read().split(b"\0")[:-1]]
for src, dst in zip(items[0::2], items[1::2]):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            info.compress_type = zipfile.ZIP_STORED
            zout.writestr(info, data)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst) as b:
        if [(i.filename, i.CRC) for i in a.infolist()] != [(i.filename, i.CRC) for i in b.infolist()]:
            sys.exit("entries differ after rewriting " + src)
'
[[ $(cat "$BENCH"/*.rel | sort -u | wc -l) == "${#CP_JARS[@]}" ]] || die "class path entries went missing"
"$JDK/bin/javac" -q --release 17 -nowarn -cp "$CLASSPATH_ALL" -d "$BENCH/check" bench/device/DeviceCheck.java 2>/dev/null ||
	"$JDK/bin/javac" --release 17 -cp "$CLASSPATH_ALL" -d "$BENCH/check" bench/device/DeviceCheck.java

# ---------------------------------------------------------------------------------------
# Pack, with a manifest that run.sh checks on the device
# ---------------------------------------------------------------------------------------
NEW=$DEST.new
rm -rf "$NEW" && mkdir -p "$NEW"
for part in jre tools bench; do
	log "packing $part.tar.xz"
	tar -C "$STAGE/$part" -cf - . | xz -"$XZ_LEVEL" -T2 >"$NEW/$part.tar.xz"
done
{
	echo "# Written by bench/device/bundle.sh; read by bench/device/run.sh"
	echo "built=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "git=$(git describe --always --dirty 2>/dev/null || echo unknown)"
	echo "sources=$SOURCES"
	echo "sources.sha256=$SOURCES_HASH"
	echo "java=$("$STAGE/jre/jre/bin/java" -version 2>&1 | head -1)"
	echo "modules=$MODULES"
	echo "tools=$(ls "$TOOLS/bin" "$TOOLS/extra" | grep -v : | grep . | paste -sd' ')"
	for part in jre tools bench; do
		echo "sha256.$part=$(sha256sum "$NEW/$part.tar.xz" | cut -d' ' -f1)"
		echo "unpacked.$part=$(du -sm "$STAGE/$part" | cut -f1)M"
	done
} >"$NEW/MANIFEST"
rm -rf "$DEST" && mv "$NEW" "$DEST"
if [[ $(source_hash) != "$SOURCES_HASH" ]]; then
	log "WARNING: the sources changed while the bundle was built; run.sh will refuse it: bundle again"
fi

TREE_BYTES=$(git ls-files -co --exclude-standard -z | xargs -0 stat -c %s 2>/dev/null | awk '{ s += $1 } END { print s }')
mib() { awk -v b="$1" 'BEGIN { printf "%6.1f MiB", b / 1048576 }'; }
BUNDLE_BYTES=0
for file in "$DEST"/*; do
	size=$(stat -c %s "$file")
	BUNDLE_BYTES=$((BUNDLE_BYTES + size))
	printf '%s  %s (unpacked %s)\n' "$(mib "$size")" "${file#"$ROOT_DIR"/}" \
		"$(sed -n "s/^unpacked.$(basename "$file" .tar.xz)=//p" "$DEST/MANIFEST" | grep . || echo -)"
done
printf '%s  bundle\n' "$(mib "$BUNDLE_BYTES")"
printf '%s  git working tree (tracked and untracked, not ignored)\n' "$(mib "$TREE_BYTES")"
printf '%s  total that travels with carry=[".device-bundle"]\n' "$(mib $((BUNDLE_BYTES + TREE_BYTES)))"
if ((BUNDLE_BYTES + TREE_BYTES > 55 * 1048576)); then
	log "WARNING: over 55 MiB; the device takes at most about 60 MiB"
fi
