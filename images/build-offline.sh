#!/usr/bin/env bash
# Builds every image gantry needs on a machine that cannot pull from a registry.
#   images/build-offline.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/base/build-offline.sh" "$@"
if [[ "${1:-}" == "--force" ]] || ! docker image inspect gantry/agent-base >/dev/null 2>&1; then
  docker build -q -t gantry/agent-base "$here/agent-base" >/dev/null
  echo "built gantry/agent-base"
else
  echo "gantry/agent-base exists (use --force to rebuild)"
fi
