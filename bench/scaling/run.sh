#!/usr/bin/env bash
# Request-to-first-token from zero replicas and the time to scale to 3 replicas, on a real `kiban serve`, in four
# configurations: cold (fresh worker, model evicted from the page cache), page-cache (fresh worker, model preloaded),
# warm-pool-evicted (standby worker, model evicted), warm-pool (standby worker, model preloaded). Results go to stdout
# as lines of "config model trial ms"; the burst lines give seconds until 3 replicas were desired and ready.
#
#   bench/scaling/run.sh MODEL.gguf [TRIALS] [PORT]
#
# Needs the built distribution (./kiban builds it) and python3. Uses port PORT (default 50480) and a fresh data
# directory under /tmp. "cold" evicts the model file from the page cache before each trial (dd iflag=nocache:
# posix_fadvise DONTNEED on this one file; no system-wide cache drop).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="$(realpath "$1")"; TRIALS="${2:-5}"; PORT="${3:-50480}"
NAME=bench
URL="http://127.0.0.1:$PORT"; KEY=bench
PROBE="python3 $ROOT/bench/scaling/probe.py"
DATA="$(mktemp -d /tmp/kiban-scaling-XXXXXX)"
SERVER_PID=

stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap 'stop_server; rm -rf "$DATA"' EXIT

start_server() { # $@: extra serve options
  "$ROOT/kiban" serve --auth none --port "$PORT" --data-dir "$DATA" --hold-timeout 120 "$@" > "$DATA/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -sf "$URL/healthz" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server did not start; see $DATA/server.log" >&2; exit 1
}

deploy() { # short windows, so the deployment returns to zero within seconds between trials
  "$ROOT/kiban" deploy "$NAME" --url="$URL" --key="$KEY" --model "$MODEL" --min 0 --max 3 --target 1 --parallel 1 \
      --threads 1 --stable-window 4 --panic-window 2 --scale-to-zero-grace 1 > /dev/null
}

await_zero() { # and, with $1 = pool, ${2:-1} listening standbys
  for _ in $(seq 1 1200); do
    read -r desired ready standbys < <($PROBE state "$URL" "$KEY" "$NAME")
    if [ "$desired" = 0 ] && [ "$ready" = 0 ] && { [ "${1:-}" != pool ] || [ "$standbys" -ge "${2:-1}" ]; }; then
      sleep 1; return 0  # let the stopped worker's exit and the preloader finish
    fi
    sleep 0.1
  done
  echo "deployment did not return to zero" >&2; exit 1
}

measure() { # $1 config, $2: evict or keep, $3: pool or none
  for t in $(seq 1 "$TRIALS"); do
    await_zero "$3"
    if [ "$2" = evict ]; then sync "$MODEL"; dd if="$MODEL" iflag=nocache count=0 status=none; fi
    echo "$1 $(basename "$MODEL") $t $($PROBE first-token "$URL" "$KEY" "$NAME")"
  done
}

echo "# $(date -Is) $(git -C "$ROOT" rev-parse --short HEAD) load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${ONLY_BURSTS:-}" = 1 ]; then  # just the scale-to-3 bursts, TRIALS each, with a pool of 1 and of 3
  for pool in 1 3; do
    start_server --warm-pool "$pool" --preload; deploy
    for b in $(seq 1 "$TRIALS"); do
      await_zero pool "$pool"
      echo "burst-to-3-pool-$pool $(basename "$MODEL") $b $($PROBE burst "$URL" "$KEY" "$NAME" 6 400)"
    done
    stop_server
  done
  echo "# end load: $(cut -d' ' -f1-3 /proc/loadavg)"; exit 0
fi
start_server --warm-pool 0 --no-preload; deploy
measure cold evict none
stop_server

start_server --warm-pool 0 --preload; deploy
measure page-cache keep none
stop_server

start_server --warm-pool 1 --no-preload; deploy
measure warm-pool-evicted evict pool
stop_server

start_server --warm-pool 1 --preload; deploy
measure warm-pool keep pool
await_zero pool
echo "burst-to-3 $(basename "$MODEL") 1 $($PROBE burst "$URL" "$KEY" "$NAME" 6 400)"
await_zero pool
echo "burst-to-3 $(basename "$MODEL") 2 $($PROBE burst "$URL" "$KEY" "$NAME" 6 400)"
stop_server

start_server --warm-pool 3 --preload; deploy
await_zero pool 3
echo "burst-to-3-pool-3 $(basename "$MODEL") 1 $($PROBE burst "$URL" "$KEY" "$NAME" 6 400)"
await_zero pool 3
echo "burst-to-3-pool-3 $(basename "$MODEL") 2 $($PROBE burst "$URL" "$KEY" "$NAME" 6 400)"
stop_server
echo "# end load: $(cut -d' ' -f1-3 /proc/loadavg)"
