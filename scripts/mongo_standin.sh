#!/usr/bin/env bash
# The Mongo-wire stand-in for tests: mongoeco[wire] in its own Python 3.13 venv (it needs
# Python >= 3.13, the project runs on 3.12). No real mongod can be had on these machines.
# Usage: bash scripts/mongo_standin.sh prepare
#        bash scripts/mongo_standin.sh start PORT DATA_FILE PID_FILE   (127.0.0.1 only)
#        bash scripts/mongo_standin.sh stop PID_FILE
set -euo pipefail

STATE=${JAC_SCALE_CI_STATE:-/tmp/jac-scale-ci}
VENV=${JAC_SCALE_MONGOECO_VENV:-$STATE/mongoeco-venv}
log() { echo "[mongo-standin] $*" >&2; }

prepare() {
    if "$VENV/bin/python" -c "import mongoeco.wire" >/dev/null 2>&1; then return; fi
    local py
    py="$(pyenv prefix 3.13 2>/dev/null)/bin/python" || true
    [ -x "$py" ] || py=$(command -v python3.13 || true)
    [ -n "$py" ] && [ -x "$py" ] || { log "no Python 3.13 found (pyenv or python3.13)"; exit 1; }
    log "creating $VENV with $py and installing mongoeco[wire]"
    mkdir -p "$(dirname "$VENV")"
    "$py" -m venv "$VENV"
    "$VENV/bin/pip" install -q 'mongoeco[wire]>=4.11'
}

start() { # start PORT DATA_FILE PID_FILE
    local port=$1 data=$2 pidfile=$3
    prepare
    mkdir -p "$(dirname "$data")" "$(dirname "$pidfile")"
    rm -f "$pidfile.log" # a restart must not read the previous run's "ready" line
    nohup "$VENV/bin/python" - "$port" "$data" >"$pidfile.log" 2>&1 </dev/null <<'PY' &
import asyncio, signal, sys
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer

async def main() -> None:
    server = AsyncMongoEcoProxyServer(
        engine=SQLiteEngine(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1])
    )
    address = await server.start()
    print(f"ready {address.uri}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()

asyncio.run(main())
PY
    echo $! >"$pidfile"
    local deadline=$((SECONDS + 60))
    until grep -q '^ready' "$pidfile.log" 2>/dev/null; do
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            cat "$pidfile.log" >&2; log "stand-in did not start on 127.0.0.1:$port"; exit 1
        fi
        sleep 0.2
    done
    log "listening on 127.0.0.1:$port (data $data, pid $(cat "$pidfile"))"
}

stop() { # stop PID_FILE
    local pidfile=$1
    [ -f "$pidfile" ] || return 0
    local pid; pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

case "${1:-}" in
prepare) prepare; echo "$VENV" ;;
start) start "$2" "$3" "$4" ;;
stop) stop "$2" ;;
*) echo "usage: $0 prepare | start PORT DATA_FILE PID_FILE | stop PID_FILE" >&2; exit 2 ;;
esac
