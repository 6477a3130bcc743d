#!/bin/bash
# The peak memory of a rebuild over its whole process tree: every 2 s, sum the RSS of each
# 'wisdom search rebuild' process and its children, and log each new peak. Shared pages count
# once per process, so the sum is an upper bound. Run it beside benchmarks/search.py:
#
#     benchmarks/tree_rss.sh /tmp/bench/rss.log &
#     .venv/bin/python benchmarks/search.py --backend whoosh --docs 100000 --keep /tmp/bench/wh100k --reuse
#     kill %1; tail -1 /tmp/bench/rss.log
log=${1:-/tmp/bench/rss.log}
peak=0
while true; do
  pids=$(pgrep -f "wisdom search rebuild" | tr '\n' ' ')
  if [ -n "$pids" ]; then
    all=$(echo "$pids" $(for p in $pids; do pgrep -P "$p"; done) | tr ' ' '\n' | sort -u | tr '\n' ',')
    sum=$(ps -o rss= -p "${all%,}" 2>/dev/null | awk '{s += $1} END {print int(s / 1024)}')
    if [ "${sum:-0}" -gt "$peak" ]; then
      peak=$sum
      echo "$(date +%T) peak $peak MB over processes ${all%,}" >> "$log"
    fi
  fi
  sleep 2
done
