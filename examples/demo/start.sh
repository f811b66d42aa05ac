#!/bin/sh
# Entry point of the compose controller. With GANTRY_CONFIG set, it runs that
# config; otherwise it sets up and runs the bundled demo, saying so plainly.
set -eu
state="${GANTRY_STATE:-/var/lib/gantry}"
here="$(cd "$(dirname "$0")" && pwd)"

# Redis may still be starting: wait for its port (compose v1 has no health conditions).
host_port="${REDIS_URL#redis://}"; host="${host_port%%:*}"; port="${host_port##*:}"
tries=0
until bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; do
  tries=$((tries + 1)); [ "$tries" -lt 60 ] || { echo "gantry: Redis not reachable at $REDIS_URL" >&2; exit 1; }
  sleep 1
done

if [ -n "${GANTRY_CONFIG:-}" ]; then
  exec gantry --config "$GANTRY_CONFIG" run
fi

echo "gantry: DEMO: scripted agents on the bundled example project; set GANTRY_CONFIG to run on your own repository"
demo="$state/demo"
mkdir -p "$demo"
if [ ! -d "$demo/upstream.git" ]; then
  seed="$(mktemp -d)"
  cp -R "$here/project/." "$seed/"
  git -C "$seed" init -q -b main
  git -C "$seed" add -A
  git -C "$seed" -c user.name=gantry -c user.email=gantry@localhost commit -qm "demo project"
  git clone -q --bare "$seed" "$demo/upstream.git"
  rm -rf "$seed"
fi
cp "$here/gantry.yaml" "$demo/gantry.yaml"
while IFS= read -r task; do
  gantry --config "$demo/gantry.yaml" task add "$task"
done < "$here/tasks.txt"
gantry --config "$demo/gantry.yaml" run --until-idle
echo "gantry: DEMO report"
gantry --config "$demo/gantry.yaml" report
echo "gantry: DEMO done; the controller keeps running: docker compose exec controller gantry --config $demo/gantry.yaml task add \"note golf\""
exec gantry --config "$demo/gantry.yaml" run
