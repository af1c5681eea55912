#!/usr/bin/env bash
# The container end to end, where Docker runs (root, a daemon, Debian's archive reachable; no registry needed):
#   1. base images made here from Debian bookworm (debootstrap + docker import; cached): Python 3.11 for the
#      Dockerfile's BASE_IMAGE, and PostgreSQL 15 as a stand-in for the official postgres:15 image;
#   2. the Amends image built on that base, and its size;
#   3. compose.yaml (+ bench/compose.smoke.yaml) up with PostgreSQL; bench/container_smoke.py waits for /readyz,
#      sends a signed /recover and sees the modal open on a fake Slack, SIGTERMs the container, sees exit 0.
# Usage: bench/container_smoke.sh   (AMENDS_SMOKE_CACHE=/var/tmp/amends-smoke keeps the Debian trees)
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${AMENDS_SMOKE_CACHE:-/var/tmp/amends-smoke}
PYTHON_BASE=amends-local/python:3.11-bookworm
POSTGRES_BASE=amends-local/postgresql:15-bookworm
export AMENDS_IMAGE=amends:smoke POSTGRES_IMAGE=amends-local/postgres:15
PYTHON=${PYTHON:-.venv/bin/python}
if [ -z "${COMPOSE:-}" ]; then
    if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi
export COMPOSE

step() { printf '\n== %s\n' "$*"; }
elapsed() { echo "   ($(( $(date +%s) - $1 )) s)"; }

# A Debian bookworm image with `packages`, made with debootstrap and imported (once; then cached by Docker).
debian_image() {
    local image=$1 packages=$2 tree
    if docker image inspect "$image" >/dev/null 2>&1; then echo "   $image: already here"; return; fi
    tree="$CACHE/$(echo "$image" | tr '/:' '__')"
    if [ ! -e "$tree/.done" ]; then
        rm -rf "$tree" && mkdir -p "$CACHE"
        debootstrap --variant=minbase bookworm "$tree" http://deb.debian.org/debian >/dev/null
        chroot "$tree" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends $packages >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/* \
            /usr/share/doc/* /usr/share/man/*"
        touch "$tree/.done"
    fi
    # It trusts what this machine trusts (a TLS-inspecting proxy's CA included), for pip in the build.
    cp /etc/ssl/certs/ca-certificates.crt "$tree/etc/ssl/certs/ca-certificates.crt"
    tar -C "$tree" --exclude=./.done -c . | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt' - "$image" >/dev/null
    echo "   $image: made from Debian bookworm ($packages)"
}

step "base images (locally made)"
t=$(date +%s)
debian_image "$PYTHON_BASE" "python3 python3-venv ca-certificates"
debian_image "$POSTGRES_BASE" "postgresql-15"
elapsed "$t"

step "docker build --build-arg BASE_IMAGE=$PYTHON_BASE -t $AMENDS_IMAGE ."
t=$(date +%s)
build_log=$(mktemp)
docker build --build-arg BASE_IMAGE="$PYTHON_BASE" -t "$AMENDS_IMAGE" . >"$build_log" 2>&1 \
    && docker build --build-arg BASE_IMAGE="$POSTGRES_BASE" -t "$POSTGRES_IMAGE" -f bench/docker/postgres.Dockerfile \
        bench/docker >>"$build_log" 2>&1 \
    || { tail -40 "$build_log"; exit 1; }
rm -f "$build_log"
elapsed "$t"
base_size=$(docker image inspect -f '{{.Size}}' "$PYTHON_BASE")
size=$(docker image inspect -f '{{.Size}}' "$AMENDS_IMAGE")
echo "   image $AMENDS_IMAGE: $(( size / 1000000 )) MB ($(( (size - base_size) / 1000000 )) MB over its base of" \
     "$(( base_size / 1000000 )) MB); runs as user $(docker image inspect -f '{{.Config.User}}' "$AMENDS_IMAGE")," \
     "entrypoint $(docker image inspect -f '{{json .Config.Entrypoint}}' "$AMENDS_IMAGE")"

step "compose up with PostgreSQL 15, /readyz, a signed /recover, SIGTERM ($COMPOSE)"
t=$(date +%s)
"$PYTHON" -m bench.container_smoke
elapsed "$t"
