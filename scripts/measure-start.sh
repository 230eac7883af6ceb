#!/usr/bin/env bash
# usage: scripts/measure-start.sh [REPO_DIR]
# Seconds from `borderline serve` on a fresh data folder until /health answers (the process
# listens; "starting" while it opens), until /health says "ok" (the application is open and
# serves every route), and until /ready (assessors warm); then the same for a later start.
set -u
cd "${1:-$(dirname "$0")/..}"
d=$(mktemp -d); port=$((20000 + RANDOM % 20000))
since() { echo "$(date +%s.%N) - $1" | bc; }
for run in first later; do
  t0=$(date +%s.%N)
  BORDERLINE_DATA_DIR=$d .venv/bin/borderline serve --port $port >/tmp/serve-$port.log 2>&1 &
  pid=$!
  until curl -sf http://127.0.0.1:$port/health >/dev/null 2>&1; do sleep 0.05; done
  echo "$run start: /health answers after $(since $t0) s: $(curl -s http://127.0.0.1:$port/health)"
  until curl -s http://127.0.0.1:$port/health | grep -q '"status":"ok"'; do sleep 0.05; done
  echo "$run start: /health ok (application open) after $(since $t0) s"
  until curl -sf http://127.0.0.1:$port/ready >/dev/null 2>&1; do sleep 0.1; done
  echo "$run start: /ready after $(since $t0) s"
  if [ $run = first ]; then
    until ! curl -s http://127.0.0.1:$port/health | grep -q '"samples_loading":true'; do sleep 1; done
    echo "samples loaded after $(since $t0) s"
  fi
  kill $pid; wait $pid 2>/dev/null
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$d"
