#!/usr/bin/env bash
# JMH benchmarks of the gateway's hot-path pieces (issue 5 item 4; results: docs/benchmarks/*-jmh-gateway.md).
#
#   bench/jmh/run.sh [JMH options and benchmark regexps]
#   bench/jmh/run.sh StreamRelay -p json=worker        # one class, one parameter value
#   bench/jmh/run.sh -l                                # list the benchmarks
#
# The benchmarks are test classes (src/test/java/**/*Benchmark.java) of kiban-gateway and kiban-server: every build
# compiles them, nothing runs them but this script. It compiles the test classes (never installs), writes each
# module's test classpath, then runs org.openjdk.jmh.Main once per module with the defaults below; arguments go to
# JMH, and an option given there replaces its default (`-i 10`; `-prof stack` replaces `-prof gc`, so give both to
# keep the allocation numbers). A regexp that matches nothing in a module skips that module.
#
# Environment: MAX_MINUTES (whole run, default 30), MAX_LOAD (wait for the 1-minute load average to drop below it
# before each module, default 1.5), LOAD_WAIT_MINUTES (how long to wait, default 10; then it runs anyway and says
# so), MODULES (default "kiban-gateway kiban-server"), JMH_CPU (pin the JMH JVMs to this CPU with taskset),
# SKIP_BUILD=1. Output: bench/out/jmh-<date-time>/{<module>.json,<module>.txt,run.txt}; run.txt names the machine,
# the commit and the command, and the load before and after each module.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25*; do
    if [ -x "$c/bin/java" ]; then export JAVA_HOME="$c"; break; fi
  done
fi
[ -x "${JAVA_HOME:-}/bin/java" ] || { echo "run.sh: JDK 25 not found; set JAVA_HOME" >&2; exit 2; }
command -v timeout > /dev/null || { echo "run.sh: 'timeout' (coreutils) is missing" >&2; exit 2; }

MODULES=${MODULES:-"kiban-gateway kiban-server"}
MAX_MINUTES=${MAX_MINUTES:-30}
MAX_LOAD=${MAX_LOAD:-1.5}
LOAD_WAIT_MINUTES=${LOAD_WAIT_MINUTES:-10}
deadline=$(( $(date +%s) + MAX_MINUTES * 60 ))

if [ -z "${SKIP_BUILD:-}" ]; then
  pl=$(echo "$MODULES" | tr ' ' ',')
  # test-compile runs the JMH annotation processor; build-classpath writes each module's test classpath.
  ./mvnw -B -q -DskipTests -pl "$pl" -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=test
fi

OUT=bench/out/jmh-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
load() { cut -d' ' -f1 /proc/loadavg; }
busy() { awk -v l="$(load)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; }
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "command: bench/jmh/run.sh $*"
} > "$OUT/run.txt"

# The forked benchmark JVMs inherit these (JMH passes its own JVM's flags on): the server's launcher flags
# (./kiban: compact object headers), a fixed heap, and no JDK 25 warning about JMH's use of sun.misc.Unsafe.
JVM=(-XX:+UseCompactObjectHeaders -Xms1g -Xmx1g --sun-misc-unsafe-memory-access=allow)
PIN=()
if [ -n "${JMH_CPU:-}" ]; then PIN=(taskset -c "$JMH_CPU"); fi

# Defaults: one fork, 3 × 1 s warm-up, 5 × 1 s measurement, allocation per operation (-prof gc).
DEFAULTS=()
for pair in "-f 1" "-wi 3" "-w 1s" "-i 5" "-r 1s" "-prof gc"; do
  flag=${pair%% *}
  given=""
  for a in "$@"; do [ "$a" = "$flag" ] && given=1; done
  [ -z "$given" ] && DEFAULTS+=($pair)
done

status=0
for m in $MODULES; do
  waited=0
  while busy && [ "$waited" -lt $(( LOAD_WAIT_MINUTES * 60 )) ]; do
    [ "$waited" -eq 0 ] && echo "run.sh: load $(load) ≥ $MAX_LOAD; waiting up to $LOAD_WAIT_MINUTES min" \
      "($(pgrep -fc surefire || true) surefire processes)" >&2
    sleep 15; waited=$(( waited + 15 ))
  done
  left=$(( deadline - $(date +%s) ))
  if [ "$left" -le 60 ]; then echo "run.sh: MAX_MINUTES reached; $m not run" >&2; status=1; break; fi
  echo "$m: load before $(cat /proc/loadavg | cut -d' ' -f1-3)$(busy && echo ' (above MAX_LOAD)')," \
    "surefire processes $(pgrep -fc surefire || true)" >> "$OUT/run.txt"
  cp="$m/target/test-classes:$m/target/classes:$(cat "$m/target/jmh.classpath")"
  set +e
  timeout --signal=TERM --kill-after=30 "$left" "${PIN[@]}" "$JAVA_HOME/bin/java" "${JVM[@]}" -cp "$cp" \
    org.openjdk.jmh.Main "${DEFAULTS[@]}" -rf json -rff "$OUT/$m.json" "$@" 2>&1 \
    | tee "$OUT/$m.txt"
  rc=${PIPESTATUS[0]}
  set -e
  echo "$m: load after $(cat /proc/loadavg | cut -d' ' -f1-3), exit $rc" >> "$OUT/run.txt"
  if [ "$rc" -ne 0 ]; then
    if grep -q 'No matching benchmarks' "$OUT/$m.txt"; then rm -f "$OUT/$m.json"; continue; fi
    status=$rc
  fi
done
if command -v python3 > /dev/null && ls "$OUT"/*.json > /dev/null 2>&1; then
  python3 bench/jmh/summary.py "$OUT"/*.json > "$OUT/summary.md"
  cat "$OUT/summary.md"
fi
echo "run.sh: results in $OUT" >&2
exit $status
