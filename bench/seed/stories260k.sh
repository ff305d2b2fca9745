#!/usr/bin/env bash
# The seed's table (workload x concurrency -> tok/s and latency, BRIEF.md) for a tiny GGUF model on this machine,
# and the gateway's tokens/s ratio (performance.md R7). Loopback only, bounded, processes ended by PID.
#
#   bench/seed/stories260k.sh PATH/TO/stories260K.gguf [kiban bench options...]
#
# 1. Seed table: `kiban serve --model stories=MODEL` (the builtin llama.cpp runtime, API key required), then
#    `kiban bench --workload qa,summarize --concurrency 1,4,16,64` through it.
# 2. R7: one standalone `kiban worker` for the same model, measured directly and through `kiban serve --external`
#    (governed), alternating step by step at each concurrency, so both see the same engine and the same noise.
# Results: bench/out/seed-<date>/{builtin,direct-cN,via-cN}/ and summary.md. DURATION (default 20s) per step;
# SKIP_BUILTIN=1 runs only part 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:?usage: bench/seed/stories260k.sh PATH/TO/model.gguf [kiban bench options]}
shift
MODEL=$(readlink -f "$MODEL")
DURATION=${DURATION:-20s}
OUT=${OUT:-bench/out/seed-$(date +%Y%m%d-%H%M%S)}
KEY=sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$OUT"
PIDS=()
stop() { # PID: SIGTERM, then SIGKILL after 15 s
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}
cleanup() { for p in "${PIDS[@]}"; do stop "$p"; done; }
trap cleanup EXIT
for port in 18100 18101 18110; do
  if ss -ltn "sport = :$port" | grep -q LISTEN; then echo "port $port is in use" >&2; exit 2; fi
done

./kiban --version > /dev/null   # builds the distribution if needed
BENCH=(timeout 1800 ./kiban bench --key "$KEY" --model stories --ignore-eos --max-tokens 200 --no-progress)

wait_ready() { # URL, seconds
  for _ in $(seq "$2"); do curl -fs -o /dev/null "$1" && return 0; sleep 1; done
  echo "not ready: $1" >&2; return 1
}

if [ -z "${SKIP_BUILTIN:-}" ]; then
echo "== seed table on the builtin runtime"
KIBAN_ADMIN_KEY=$KEY ./kiban serve --port 18100 --data-dir "$OUT/builtin-data" \
  --model "stories=$MODEL" > "$OUT/kiban-builtin.log" 2>&1 &
PIDS+=($!)
wait_ready http://127.0.0.1:18100/readyz 120
"${BENCH[@]}" --url http://127.0.0.1:18100/v1 --workload qa,summarize --concurrency 1,4,16,64 \
  --duration "$DURATION" --out "$OUT/builtin" "$@" | tee "$OUT/builtin.txt"
stop "${PIDS[0]}"; PIDS=()
fi

echo "== R7: direct worker vs through Kiban, interleaved"
./kiban worker --model "$MODEL" --name stories --port 18110 > "$OUT/worker.log" 2>&1 &
PIDS+=($!)
wait_ready http://127.0.0.1:18110/v1/models 120
KIBAN_ADMIN_KEY=$KEY ./kiban serve --port 18101 --data-dir "$OUT/via-data" \
  --external stories=http://127.0.0.1:18110/v1 > "$OUT/kiban-via.log" 2>&1 &
PIDS+=($!)
wait_ready http://127.0.0.1:18101/readyz 120
i=0
for c in 1 4 16 64; do
  # ABBA order (direct first at c=1 and 64, via first at 4 and 16), so drift on a shared box favours neither
  for t in $( [ $((i % 3)) -eq 0 ] && echo "direct via" || echo "via direct"); do
    url=http://127.0.0.1:18110/v1; [ "$t" = via ] && url=http://127.0.0.1:18101/v1
    "${BENCH[@]}" --url "$url" --workload qa --concurrency "$c" --duration "$DURATION" --out "$OUT/$t-c$c" "$@" > /dev/null
  done
  i=$((i + 1))
done

{
  echo "| concurrency | direct tok/s | via Kiban tok/s | ratio (R7, goal >= 0.99) | direct latency mean | via latency mean | ratio (goal <= 1.01) |"
  echo "|---|---|---|---|---|---|---|"
  for c in 1 4 16 64; do
    # results.csv columns: 15 = total_tokens_per_s, 16 = latency_mean_ms
    d=$(awk -F, 'NR==2 {print $15, $16}' "$OUT/direct-c$c/results.csv")
    v=$(awk -F, 'NR==2 {print $15, $16}' "$OUT/via-c$c/results.csv")
    awk -v c="$c" -v d="$d" -v v="$v" 'BEGIN { split(d, a, " "); split(v, b, " ");
      printf "| %d | %.0f | %.0f | %.3f | %.3f s | %.3f s | %.3f |\n", c, a[1], b[1], b[1] / a[1], a[2] / 1000, b[2] / 1000, b[2] / a[2] }'
  done
} | tee "$OUT/summary.md"
echo "Wrote $OUT"
