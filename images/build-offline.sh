#!/usr/bin/env bash
# Builds every image gantry needs on a machine that cannot pull from a registry:
# gantry/base (debootstrap + Node), gantry/agent-base, gantry/claude-code and
# gantry/codex (the agent images of kinds claude-code and codex; their npm
# installs need the npm registry),
# gantry/oracle-c (gcc, for the probes of oracle/examples/c-compiler; from Debian's mirror),
# gantry/redis and gantry/controller (the last two are what docker-compose.yml runs).
#   images/build-offline.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
force="${1:-}"
"$here/base/build-offline.sh" "$@"

# Always built: Docker's layer cache makes an unchanged image cost a second,
# and a changed Dockerfile or context is never left stale.
build() {
  local image="$1"; shift
  docker build -q $([[ "$force" == "--force" ]] && echo --no-cache) -t "$image" "$@" >/dev/null
  echo "built $image"
}
build gantry/agent-base "$here/agent-base"
build gantry/claude-code "$here/claude-code"
build gantry/codex "$here/codex"
build gantry/oracle-c "$here/oracle-c"
build gantry/redis "$here/redis"
build gantry/controller -f "$here/controller/Dockerfile" "$root"
