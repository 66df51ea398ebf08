#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds (default 60) and prints a summary line
# per target: executions and coverage, as libFuzzer reports them.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
mkdir -p logs
for target in $(cargo +nightly fuzz list); do
  echo "== $target ($secs s)"
  cargo +nightly fuzz run "$target" -- -max_total_time="$secs" -print_final_stats=1 \
    >"logs/$target.log" 2>&1 || { echo "   CRASH: see fuzz/logs/$target.log and fuzz/artifacts/$target"; continue; }
  grep -E "stat::number_of_executed_units|cov:" "logs/$target.log" | tail -2 | sed 's/^/   /'
done
