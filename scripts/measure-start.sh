#!/usr/bin/env bash
# usage: scripts/measure-start.sh [REPO_DIR]  -> seconds until /health answers (first start, then second)
set -u
cd "${1:-$(dirname "$0")/..}"
d=$(mktemp -d); port=$((20000 + RANDOM % 20000))
for run in first later; do
  t0=$(date +%s.%N)
  BORDERLINE_DATA_DIR=$d .venv/bin/borderline serve --port $port >/tmp/serve-$port.log 2>&1 &
  pid=$!
  until curl -sf http://127.0.0.1:$port/health >/dev/null 2>&1; do sleep 0.1; done
  t1=$(date +%s.%N)
  echo "$run start: $(echo "$t1 - $t0" | bc) s  $(curl -s http://127.0.0.1:$port/health)"
  if [ $run = first ]; then
    until ! curl -s http://127.0.0.1:$port/health | grep -q '"samples_loading":true'; do sleep 1; done
    echo "samples loaded after $(echo "$(date +%s.%N) - $t0" | bc) s"
  fi
  kill $pid; wait $pid 2>/dev/null
done
rm -rf "$d"
