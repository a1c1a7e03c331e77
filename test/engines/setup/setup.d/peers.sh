#!/usr/bin/env bash
# The peers tier's installs (test/engines/peers), pinned, into $LAKECTL_ENGINES_CACHE/peers:
#   sdk-venv/         the Databricks SDK for Python at a current release (../peers-requirements.txt)
#   bin/databricks    the Databricks CLI, built with go from the Go module proxy (../peers-cli/go.mod
#                     and go.sum pin github.com/databricks/cli and every dependency), with the module
#                     and build caches inside the cache folder so a second run needs no network.
# Each part is skipped when its stamp matches the hash of its pins (as setup.sh does).
# Unity Catalog OSS is not installed: Maven Central as reached here serves no version of
# io.unitycatalog:unitycatalog-server (its client artifacts resolve, the server's do not).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
: "${LAKECTL_ENGINES_CACHE:?setup.sh passes the cache folder}"
peers="$LAKECTL_ENGINES_CACHE/peers"
mkdir -p "$peers"

log() { printf 'engines setup (peers): %s\n' "$*" >&2; }
stamp_of() { cat "$@" | sha256sum | cut -c1-16; }
fresh() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

venv="$peers/sdk-venv"
stamp=$(stamp_of "$here/peers-requirements.txt")
if ! fresh "$venv/.stamp" "$stamp"; then
  log "Databricks SDK for Python -> $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  PIP_CACHE_DIR="$peers/pip-cache" "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/peers-requirements.txt"
  echo "$stamp" > "$venv/.stamp"
fi

command -v go >/dev/null 2>&1 || { log "needs go (Go 1.25 or newer)"; exit 1; }
cli="$peers/bin/databricks"
module="$here/peers-cli"
stamp=$(stamp_of "$module/go.mod" "$module/go.sum")
if ! fresh "$cli.stamp" "$stamp"; then
  version=$(sed -n 's/^require github.com\/databricks\/cli v\(.*\)$/\1/p' "$module/go.mod")
  log "Databricks CLI $version (go build) -> $cli"
  mkdir -p "$peers/bin"
  (
    cd "$module"
    export GOMODCACHE="$peers/go/mod" GOCACHE="$peers/go/build" GOFLAGS=-modcacherw GOTOOLCHAIN=local
    go build -trimpath -ldflags "-X github.com/databricks/cli/internal/build.buildVersion=$version" -o "$cli" github.com/databricks/cli
  )
  echo "$stamp" > "$cli.stamp"
fi
