#!/bin/sh
# Entry point of the compose controller. Which config it runs, first match:
#   1. GANTRY_CONFIG: that file (a path the controller sees, e.g. under GANTRY_STATE).
#   2. $GANTRY_STATE/gantry.yaml, when a person put it there (a file this script
#      wrote starts with MARKER and is rewritten at every start).
#   3. GANTRY_REPO and ANTHROPIC_API_KEY (Claude Code) or OPENAI_API_KEY (Codex,
#      with GANTRY_PRICE): a gantry.yaml for that repository, written to
#      $GANTRY_STATE/gantry.yaml (mode 600: it holds the key).
#   4. Nothing set: the bundled demo, saying so plainly.
# The compose file's working directory is GANTRY_STATE, so
# `docker compose exec controller gantry report` reads the config of cases 2-4.
# Starting again resumes: the upstream is seeded once, tasks are queued by
# their text's hash (adding one twice queues it once), the run id is in Redis.
set -eu
state="${GANTRY_STATE:-/var/lib/gantry}"
network="${GANTRY_NETWORK:-gantry-agents}"
here="$(cd "$(dirname "$0")" && pwd)"
config="$state/gantry.yaml"
MARKER="# Written by examples/demo/start.sh at every start. To run a config of your own, replace this file (drop this line)."

say() { echo "gantry: $*"; }
fail() { echo "gantry: $*" >&2; exit 2; }

# This shell is PID 1: a stop signal reaches it, not its children. gantry runs
# in the background and the signal is passed on, so `docker compose stop` and
# `restart` are gantry's graceful shutdown (a second signal forces it).
child=""
stopping=""
forward() {
  stopping=1
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; else exit 143; fi
}
trap forward TERM INT
gantry_waited() {
  gantry "$@" &
  child=$!
  status=0
  while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
  child=""
  [ -z "$stopping" ] || exit "$status"
  return "$status"
}

# Redis may be restarting too (depends_on is checked only by `up`): wait for its port.
host_port="${REDIS_URL#redis://}"; host="${host_port%%:*}"; port="${host_port##*:}"
tries=0
until bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; do
  tries=$((tries + 1)); [ "$tries" -lt 60 ] || fail "Redis not reachable at $REDIS_URL: check the redis service (docker compose logs redis)"
  sleep 1
done

# A YAML double-quoted string (JSON's escaping) holding $1.
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# Writes $config from stdin, so that a reader never sees half a file.
write_config() {
  mkdir -p "$state"
  (umask 077 && { echo "$MARKER"; cat; } > "$config.tmp")
  mv "$config.tmp" "$config"
}

written_by_us() { [ "$(head -n 1 "$config")" = "$MARKER" ]; }

agent_section() {
  if [ -n "${ANTHROPIC_API_KEY:-}" ]; then
    echo "  kind: claude-code"
    echo "  image: gantry/claude-code"
    [ -z "${GANTRY_MODEL:-}" ] || echo "  model: $(quoted "$GANTRY_MODEL")"
    echo "  env:"
    echo "    ANTHROPIC_API_KEY: $(quoted "$ANTHROPIC_API_KEY")"
  elif [ -n "${OPENAI_API_KEY:-}" ]; then
    [ -n "${GANTRY_PRICE:-}" ] || fail "OPENAI_API_KEY is set: the Codex CLI reports tokens, not costs; set GANTRY_PRICE to the model's dollars per million input,cached input,output tokens, e.g. GANTRY_PRICE=1.25,0.125,10"
    old_ifs="$IFS"; IFS=,; set -- $GANTRY_PRICE; IFS="$old_ifs"
    [ $# -eq 3 ] || fail "GANTRY_PRICE=$GANTRY_PRICE: expected three numbers, input,cached input,output dollars per million tokens, e.g. 1.25,0.125,10"
    echo "  kind: codex"
    echo "  image: gantry/codex"
    [ -z "${GANTRY_MODEL:-}" ] || echo "  model: $(quoted "$GANTRY_MODEL")"
    echo "  price: { input: $1, cachedInput: $2, output: $3 }"
    echo "  env:"
    echo "    OPENAI_API_KEY: $(quoted "$OPENAI_API_KEY")"
  else
    fail "GANTRY_REPO is set but no model key: set ANTHROPIC_API_KEY (Claude Code) or OPENAI_API_KEY (Codex)"
  fi
}

# A real run on GANTRY_REPO: a git URL, or a path under GANTRY_STATE (the only
# host folder the controller sees). Its state goes to $GANTRY_STATE/project.
write_repo_config() {
  write_config <<EOF
repo:
  url: $(quoted "$GANTRY_REPO")
concurrency: ${GANTRY_CONCURRENCY:-4}
stateDir: ./project
agent:
$(agent_section)
gate:
  command: $(quoted "${GANTRY_GATE:-npm test}")
container:
  network: $(quoted "$network")
EOF
}

if [ -n "${GANTRY_CONFIG:-}" ]; then
  say "running $GANTRY_CONFIG"
  exec gantry --config "$GANTRY_CONFIG" run
fi
if [ -f "$config" ] && ! written_by_us; then
  say "running $config (yours)"
  exec gantry --config "$config" run
fi
if [ -n "${GANTRY_REPO:-}" ]; then
  agent_section >/dev/null
  write_repo_config
  say "running on $GANTRY_REPO with $config"
  exec gantry --config "$config" run
fi

say "DEMO: the real Claude Code CLI against a scripted model server (no key, no internet) on the bundled example project; set GANTRY_REPO and ANTHROPIC_API_KEY to run on your own repository"
demo="$state/demo"
mkdir -p "$demo"
if [ ! -d "$demo/upstream.git" ]; then
  seed="$(mktemp -d)"
  cp -R "$here/project/." "$seed/"
  git -C "$seed" init -q -b main
  git -C "$seed" add -A
  git -C "$seed" -c user.name=gantry -c user.email=gantry@localhost commit -qm "demo project"
  git clone -q --bare "$seed" "$demo/upstream.git.tmp"
  mv "$demo/upstream.git.tmp" "$demo/upstream.git"
  rm -rf "$seed"
fi
sed "s|^  network: .*|  network: $network|" "$here/gantry.yaml" | write_config
# Role `core`, the built-in developer role: the report's tables name it beside every task.
while IFS= read -r task; do
  gantry --config "$config" task add --role core "$task"
done < "$here/tasks.txt"
say "DEMO: working on $(wc -l < "$here/tasks.txt") tasks"
gantry_waited --config "$config" run --until-idle || say "DEMO: the run stopped early (exit $?); see the lines above"
say "DEMO report (docker compose exec controller gantry report --format md|json|html)"
gantry --config "$config" report || true
say "DEMO done; the controller keeps running: docker compose exec controller gantry task add --role core \"note golf\""
exec gantry --config "$config" run
