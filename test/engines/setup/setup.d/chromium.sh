#!/usr/bin/env bash
# Headless Chromium for the HTML report tests (Debian's chromium package). Installed through apt when
# missing; nothing goes into the cache folder (apt keeps its own).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "engines setup: chromium (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
