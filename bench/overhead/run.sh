#!/usr/bin/env bash
# Gateway overhead protocol, one command (performance.md §6; kiban-bench/README.md).
#
#   bench/overhead/run.sh [--profile quick|full] [--targets direct,nginx,portkey,kiban-pass,kiban-gov] [--help]
#
# Loopback only; every process it starts is recorded by PID and ended by PID; the whole run is bounded by
# MAX_MINUTES (default 30 for quick, 90 for full). Results: bench/out/overhead-<date>/overhead.{md,json}.
# Kiban targets: KIBAN_PASS_CMD / KIBAN_GOV_CMD with {port}, {sim} and {data} placeholders (default: ./kiban
# serve ..., when ./kiban exists; the governed server gets a generated KIBAN_ADMIN_KEY and is called with it).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25*; do
    if [ -x "$c/bin/java" ]; then export JAVA_HOME="$c"; break; fi
  done
fi
[ -x "${JAVA_HOME:-}/bin/java" ] || { echo "run.sh: JDK 25 not found; set JAVA_HOME" >&2; exit 2; }

for tool in taskset wrk timeout; do
  command -v "$tool" > /dev/null || { echo "run.sh: '$tool' is missing (apt-get install wrk util-linux coreutils)" >&2; exit 2; }
done
command -v nginx > /dev/null || echo "run.sh: nginx missing (apt-get install nginx-light); its target will be skipped" >&2
if [ "$(nproc)" -lt 2 ]; then echo "run.sh: needs 2 CPUs (SUT on one, generator on the other)" >&2; exit 2; fi

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -pl kiban-bench -am package -DskipTests
  # ./kiban builds the server itself on first use (and after source changes), before the protocol starts it
  if [ -x ./kiban ] && [ -z "${KIBAN_PASS_CMD:-}${KIBAN_GOV_CMD:-}" ]; then ./kiban --version > /dev/null || true; fi
fi
JAR=$(ls kiban-bench/target/kiban-bench-*.jar | head -1)

if command -v node > /dev/null && [ ! -f bench/node_modules/@portkey-ai/gateway/build/start-server.js ]; then
  bench/overhead/install-peers.sh || echo "run.sh: Portkey install failed; its target will be skipped" >&2
fi

ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)" || true
PROFILE=quick
for a in "$@"; do case "$a" in full|--profile=full) PROFILE=full ;; esac; done
prev=""; for a in "$@"; do [ "$prev" = "--profile" ] && PROFILE="$a"; prev="$a"; done
MAX_MINUTES=${MAX_MINUTES:-$([ "$PROFILE" = full ] && echo 90 || echo 30)}

# BENCH_NICE (e.g. -10): run everything at a higher priority, inherited by the simulator, wrk and every SUT alike.
# On a shared machine other processes otherwise take CPU from whichever target happens to be measured; off by default.
NICE=()
if [ -n "${BENCH_NICE:-}" ]; then NICE=(nice -n "$BENCH_NICE"); fi
# Fixed, pre-touched heaps: first touches of memory are slow on small VMs (a 268 ms young GC was seen here).
exec "${NICE[@]}" timeout --signal=TERM --kill-after=30 "${MAX_MINUTES}m" \
  taskset -c "${GEN_CPU:-0}" "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "$JAR" \
  io.kiban.bench.overhead.OverheadMain --gen-cpu "${GEN_CPU:-0}" --sut-cpu "${SUT_CPU:-1}" "$@"
