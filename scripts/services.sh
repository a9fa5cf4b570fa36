#!/usr/bin/env bash
# Start or stop what the tests need: a Docker engine, the local base image, two local
# registries (one with basic auth). Reuses what already runs; stops only what it started.
# Usage: bash scripts/services.sh start|stop|env
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${JAC_SCALE_CI_STATE:-/tmp/jac-scale-ci}
BASE_IMAGE=${JAC_SCALE_TEST_BASE_IMAGE:-jac-scale-test/base:trixie}
REGISTRY_PORT=${JAC_SCALE_TEST_REGISTRY_PORT:-5555}
AUTH_REGISTRY_PORT=${JAC_SCALE_TEST_AUTH_REGISTRY_PORT:-5556}
REGISTRY_USER=jacscale
mkdir -p "$STATE"

log() { echo "[services] $*"; }

apt_install() {
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if [ ! -f "$STATE/apt-updated" ]; then apt-get update -qq && touch "$STATE/apt-updated"; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 1
    done
}

start_docker() {
    if docker info >/dev/null 2>&1; then log "docker engine already running"; return; fi
    apt_install docker.io
    log "starting dockerd"
    nohup dockerd --host=unix:///var/run/docker.sock >"$STATE/dockerd.log" 2>&1 &
    echo $! >"$STATE/dockerd.pid"
    wait_for 90 docker info || { tail -20 "$STATE/dockerd.log"; log "dockerd did not start"; exit 1; }
}

build_base_image() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        log "base image $BASE_IMAGE present"; return
    fi
    apt_install mmdebstrap
    local tar="$STATE/base.tar"
    if [ ! -s "$tar" ]; then
        log "building base image with mmdebstrap (about a minute)"
        mmdebstrap --quiet --variant=minbase --format=tar \
            --include=python3,python3-venv,ca-certificates,redis-server,nginx \
            trixie "$tar.tmp" http://deb.debian.org/debian
        mv "$tar.tmp" "$tar"
    fi
    docker import "$tar" "$BASE_IMAGE" >/dev/null
    log "base image $BASE_IMAGE imported"
}

start_registry() { # start_registry NAME PORT [htpasswd]
    local name=$1 port=$2 htpasswd=${3:-} dir="$STATE/$1"
    if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then log "registry $name on $port already up"; return; fi
    mkdir -p "$dir/data"
    {
        echo "version: 0.1"
        echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
        echo "http: {addr: 127.0.0.1:$port}"
        if [ -n "$htpasswd" ]; then
            echo "auth: {htpasswd: {realm: jac-scale-test, path: $htpasswd}}"
        fi
    } >"$dir/config.yml"
    nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    echo $! >"$dir/pid"
    wait_for 30 curl -s -o /dev/null "http://127.0.0.1:$port/v2/" || {
        tail -20 "$dir/registry.log"; log "registry $name did not start"; exit 1; }
    log "registry $name on 127.0.0.1:$port"
}

start_registries() {
    apt_install docker-registry apache2-utils
    if [ ! -f "$STATE/registry-password" ]; then
        head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$STATE/registry-password"
        chmod 600 "$STATE/registry-password"
    fi
    htpasswd -Bbc "$STATE/htpasswd" "$REGISTRY_USER" "$(cat "$STATE/registry-password")" 2>/dev/null
    start_registry registry "$REGISTRY_PORT"
    start_registry auth-registry "$AUTH_REGISTRY_PORT" "$STATE/htpasswd"
}

stop_pidfile() {
    local file=$1
    [ -f "$file" ] || return 0
    local pid; pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    fi
    rm -f "$file"
}

write_env() {
    cat >"$STATE/env" <<ENV
JAC_SCALE_TEST_BASE_IMAGE=$BASE_IMAGE
JAC_SCALE_TEST_REGISTRY=127.0.0.1:$REGISTRY_PORT
JAC_SCALE_TEST_AUTH_REGISTRY=127.0.0.1:$AUTH_REGISTRY_PORT
JAC_SCALE_TEST_REGISTRY_USER=$REGISTRY_USER
JAC_SCALE_TEST_REGISTRY_PASSWORD_FILE=$STATE/registry-password
ENV
}

prefetch_wheelhouse() { # image tests install from a host wheelhouse: download it up front
    [ -x .venv/bin/python ] || return 0
    .venv/bin/python -m jac_scale.builder.prefetch examples/todo --base-image "$BASE_IMAGE" \
        | sed 's/^/[services] wheelhouse /' || log "wheelhouse prefetch failed; the image tests will retry"
}

case "${1:-}" in
start)
    start_docker
    build_base_image
    start_registries
    bash scripts/mongo_standin.sh prepare >/dev/null # Mongo-wire stand-in venv (runtime tests)
    write_env
    prefetch_wheelhouse
    log "ready; settings in $STATE/env"
    ;;
stop)
    for name in registry auth-registry; do stop_pidfile "$STATE/$name/pid"; done
    stop_pidfile "$STATE/dockerd.pid"
    ;;
env)
    cat "$STATE/env"
    ;;
*)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
