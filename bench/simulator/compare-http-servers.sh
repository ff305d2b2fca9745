#!/usr/bin/env bash
# Measures the simulator's HTTP server candidates (decision 0101) with wrk on loopback.
# Simulator pinned to CPU $SIM_CPU (default 1), wrk to CPU 0; every load bounded by `timeout`.
# Usage: bench/simulator/compare-http-servers.sh [seconds-per-window]   (run from the repository root
#        after ./mvnw -B -q -pl kiban-bench -am package -DskipTests)
set -euo pipefail
D=${1:-5}
SIM_CPU=${SIM_CPU:-1}
PORT=${PORT:-18400}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=$(ls kiban-bench/target/kiban-bench-*.jar | head -1)
LUA=bench/overhead
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' /proc/$1/stat; }

for kind in ${KINDS:-blocking blocking_platform jdk}; do
  taskset -c "$SIM_CPU" "$JAVA" -XX:+UseSerialGC -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp "$JAR" io.kiban.bench.sim.SimulatorMain \
    --port "$PORT" --http-server "$kind" > /dev/null 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true' EXIT
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.1; done
  # warm-up: JIT and connection paths
  taskset -c 0 timeout 30 wrk -t1 -c16 -d"$D"s -s $LUA/chat.lua "http://127.0.0.1:$PORT/v1/chat/completions" > /dev/null
  taskset -c 0 timeout 30 wrk -t1 -c16 -d2s -s $LUA/chat-stream.lua "http://127.0.0.1:$PORT/v1/chat/completions" > /dev/null
  for spec in "chat 1" "chat 16" "chat 64" "chat-stream 16"; do
    set -- $spec
    before=$(cpu_ticks $PID)
    outp=$(taskset -c 0 timeout $((D + 10)) wrk -t1 -c"$2" -d"$D"s --latency -s "$LUA/$1.lua" "http://127.0.0.1:$PORT/v1/chat/completions")
    after=$(cpu_ticks $PID)
    reqs=$(echo "$outp" | awk '/requests in/ {print $1}')
    rps=$(echo "$outp" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$outp" | awk '$1=="50%" {print $2}')
    p99=$(echo "$outp" | awk '$1=="99%" {print $2}')
    non2xx=$(echo "$outp" | awk '/Non-2xx/ {print $5}')
    us=$(awk -v t=$((after - before)) -v r="$reqs" -v hz="$TCK" 'BEGIN {printf "%.1f", t / hz * 1e6 / r}')
    rss=$(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$PID/status)
    printf '%-18s %-12s c=%-3s %9s req/s  p50 %-9s p99 %-9s cpu %7s us/req  rss %s  non2xx %s\n' \
      "$kind" "$1" "$2" "$rps" "$p50" "$p99" "$us" "$rss" "${non2xx:-0}"
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true
  trap - EXIT
done
