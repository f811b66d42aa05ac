#!/bin/sh
# The floor: one task's work done by hand, with the same image, user, mount
# and container limits the harness uses, and nothing else: clone the
# upstream, commit one note in a container, push it to a branch, run the
# project's tests in a container on the result. The committing container
# first sleeps $FLOOR_SLEEP seconds (default 0), as the `slow` agent does.
# usage: [FLOOR_SLEEP=S] floor.sh UPSTREAM_URL NAME IMAGE RUN_LABEL
set -eu
url="$1"; name="$2"; image="$3"; run="$4"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
git clone -q "$url" "$dir/work"
chown -R 1000:1000 "$dir/work"
container() {
  docker run --rm --label gantry=true --label "gantry.run=$run" \
    --user 1000:1000 --network none --init --read-only \
    --tmpfs /tmp:rw,exec,nosuid,nodev,mode=1777 --tmpfs /home/agent:rw,exec,nosuid,nodev,uid=1000,gid=1000 \
    --cap-drop ALL --security-opt no-new-privileges \
    --memory 256m --memory-swap 256m --cpus 1 --pids-limit 512 \
    -v "$dir/work:/work" -w /work -e HOME=/home/agent -e "FLOOR_SLEEP=${FLOOR_SLEEP:-0}" "$image" "$@"
}
container sh -c 'sleep "$FLOOR_SLEEP" && mkdir -p notes && printf "%s\n" "$1" > "notes/$1.txt" && git add notes && git -c user.name=floor -c user.email=floor@example.test commit -qm "note $1"' sh "$name"
git -c safe.directory='*' -C "$dir/work" push -q origin "HEAD:refs/heads/floor/$name"
container sh test.sh >/dev/null
