#!/usr/bin/env bash
# STAND-IN bin/heron of the heron.aurora tests' stand-in Heron release (TESTS ONLY): runs the heron CLI stand-in of
# the checkout this release was built from. `heron version` prints this release's release.yaml, as Heron's does.
set -euo pipefail
home="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
if [[ $# -eq 1 && $1 == version ]]; then
  grep -v '^#' "$home/release.yaml" | sed 's/^\([^:]*\): */\1 : /' | sort
  exit 0
fi
export HERON_CLI_PYTHON="${HERON_CLI_PYTHON:-%python%}"
exec %checkout_launcher% "$@"
