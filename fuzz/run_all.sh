#!/usr/bin/env bash
# Runs every fuzz target (or those whose name contains the optional second argument) for the
# given number of seconds (default 60) and prints a summary line per target: executions and
# coverage, as libFuzzer reports them.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
pattern=${2:-}
mkdir -p logs
for target in $(cargo +nightly fuzz list | grep -F -- "$pattern"); do
  echo "== $target ($secs s)"
  # Every target works on small inputs: an allocation above 64 MB is a bug (a size taken from
  # the input without a bound), reported as a crash.
  cargo +nightly fuzz run "$target" -- -max_total_time="$secs" -print_final_stats=1 -malloc_limit_mb=64 \
    >"logs/$target.log" 2>&1 || { echo "   CRASH: see fuzz/logs/$target.log and fuzz/artifacts/$target"; continue; }
  grep -E "stat::number_of_executed_units|cov:" "logs/$target.log" | tail -2 | sed 's/^/   /'
done
