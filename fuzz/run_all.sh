#!/usr/bin/env bash
# Runs every fuzz target (or those whose name contains PATTERN) for SECONDS seconds each
# (default 60), LANES targets at a time (default 1), and prints a summary line per target:
# executions and coverage, as libFuzzer reports them, and the wall time.
#
#   ./run_all.sh 1800 "" 2     # the 30-minute campaign, two targets at a time
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
pattern=${2:-}
lanes=${3:-1}
mkdir -p logs
cargo +nightly fuzz build >logs/build.log 2>&1 || { echo "build failed: see fuzz/logs/build.log"; exit 1; }
mapfile -t targets < <(cargo +nightly fuzz list | grep -F -- "$pattern")

run_one() {
  local target=$1 start
  start=$(date +%s)
  # Every target works on small inputs: an allocation above 64 MB is a bug (a size taken from
  # the input without a bound), reported as a crash.
  if cargo +nightly fuzz run "$target" -- -max_total_time="$secs" -print_final_stats=1 -malloc_limit_mb=64 \
    >"logs/$target.log" 2>&1; then
    local execs cov
    execs=$(grep -E "stat::number_of_executed_units" "logs/$target.log" | tail -1 | awk '{print $2}')
    cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" "logs/$target.log" | tail -1)
    echo "== $target: ok, $execs executions, $cov, $(( $(date +%s) - start )) s"
  else
    echo "== $target: CRASH: see fuzz/logs/$target.log and fuzz/artifacts/$target"
  fi
}

# Lane i takes targets i, i + lanes, i + 2 lanes, ...
for ((lane = 0; lane < lanes; lane++)); do
  (
    for ((i = lane; i < ${#targets[@]}; i += lanes)); do
      run_one "${targets[$i]}"
    done
  ) &
done
wait
