#!/usr/bin/env bash
# Installs what the engines tier needs, pinned, into an ignored cache folder (default .cache/engines,
# or $LAKECTL_ENGINES_CACHE): a Python virtual environment (requirements.txt), the Spark jars and a Kafka
# broker from Maven Central (*.pom.xml, through a Maven repository inside the cache). Each part is
# skipped when its stamp matches the hash of its pins, so a second run needs no network.
# Prints the cache folder on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${LAKECTL_ENGINES_CACHE:-$repo/.cache/engines}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

log() { printf 'engines setup: %s\n' "$*" >&2; }
stamp_of() { cat "$@" | sha256sum | cut -c1-16; }
fresh() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }

need() { command -v "$1" >/dev/null 2>&1 || { log "needs $1 ($2)"; exit 1; }; }
need python3 "Python 3.11"
need java "OpenJDK 17"
need mvn "Maven 3.8"

venv="$cache/venv"
stamp=$(stamp_of "$here/requirements.txt")
if ! fresh "$venv" "$stamp"; then
  # A changed pin is installed into the existing environment (pip moves just what changed), so a cache
  # that others use at the same time is never removed under them.
  log "Python environment -> $venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  PIP_CACHE_DIR="$cache/pip-cache" "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$stamp" > "$venv/.stamp"
fi

maven() { # pom, output folder
  local pom=$1 out=$2 stamp
  stamp=$(stamp_of "$pom")
  if ! fresh "$out" "$stamp"; then
    log "$(basename "$pom" .pom.xml) jars -> $out"
    rm -rf "$out"
    mvn --batch-mode --quiet -Dstyle.color=never -Dmaven.repo.local="$cache/m2" -f "$pom" \
      dependency:copy-dependencies -DoutputDirectory="$out" -DincludeScope=runtime
    echo "$stamp" > "$out/.stamp"
  fi
}
maven "$here/spark-jars.pom.xml" "$cache/jars/spark"
maven "$here/kafka.pom.xml" "$cache/jars/kafka"

# Optional parts (peers tier and others) add themselves as setup.d/*.sh; each gets the cache folder.
for part in "$here"/setup.d/*.sh; do
  [ -e "$part" ] || continue
  LAKECTL_ENGINES_CACHE="$cache" bash "$part"
done

log "ready"
echo "$cache"
