#!/usr/bin/env bash
# Builds the starter at a git commit and copies its jars into a folder, for
# `bench/run.sh --variant NAME=DIR`: server NAME then runs the current bench app with the
# starter of that commit.
#
#   bench/starter-at.sh COMMIT DIR
#
# The commit is checked out in a temporary `git worktree` under /tmp, built there with
# `./mvnw -q -B package -DskipTests -pl reuseport-spring-boot-starter -am` (package only:
# nothing is installed into the local Maven repository, which other checkouts may share),
# and the worktree is removed again. DIR receives the same set of jars as
# bench/target/starter: reuseport-spring-boot-autoconfigure-*.jar, the only one whose
# classes differ between commits, and the empty reuseport-spring-boot-starter-*.jar. The
# starter's own dependencies (Spring Boot, Reactor Netty, Micrometer) come from the
# bench's class path, bench/target/classpath.txt, as for server B. DIR/source.properties
# records the commit, which the report shows.
set -euo pipefail

if (($# != 2)) || [[ $1 == -h || $1 == --help ]]; then
	echo "Usage: bench/starter-at.sh COMMIT DIR" >&2
	exit 2
fi
COMMIT=$1
DIR=$2
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HASH=$(git -C "$ROOT_DIR" rev-parse --verify --quiet "$COMMIT^{commit}") || {
	echo "Not a commit: '$COMMIT'" >&2
	exit 2
}

WORKTREE=$(mktemp -d /tmp/reuseport-starter-at.XXXXXX)
cleanup() {
	git -C "$ROOT_DIR" worktree remove --force "$WORKTREE" 2>/dev/null || rm -rf "$WORKTREE"
	git -C "$ROOT_DIR" worktree prune 2>/dev/null || true
}
trap cleanup EXIT
git -C "$ROOT_DIR" worktree add --quiet --detach "$WORKTREE" "$HASH"

echo "building the starter at $(git -C "$ROOT_DIR" log -1 --format='%h %s' "$HASH") in $WORKTREE" >&2
(cd "$WORKTREE" && ./mvnw -q -B package -DskipTests -pl reuseport-spring-boot-starter -am) >&2

jars=()
for module in reuseport-spring-boot-autoconfigure reuseport-spring-boot-starter; do
	for jar in "$WORKTREE/$module/target/$module"-*.jar; do
		[[ -f $jar && $jar != *-sources.jar && $jar != *-javadoc.jar ]] && jars+=("$jar")
	done
done
[[ " ${jars[*]} " == *"/reuseport-spring-boot-autoconfigure-"* ]] || {
	echo "The build at $HASH left no reuseport-spring-boot-autoconfigure jar" >&2
	exit 1
}

mkdir -p "$DIR"
# Jars of another build must not stay beside these: the class path takes DIR/*
rm -f "$DIR"/reuseport-spring-boot-*.jar
cp "${jars[@]}" "$DIR/"
{
	echo "commit=$HASH"
	echo "describe=$(git -C "$ROOT_DIR" describe --always "$HASH") $(git -C "$ROOT_DIR" log -1 --format=%s "$HASH")"
} >"$DIR/source.properties"
echo "starter at ${HASH:0:7} in $DIR: $(cd "$DIR" && echo reuseport-spring-boot-*.jar)" >&2
