#!/usr/bin/env bash
# Fuzz every parser that takes outside input (cargo-fuzz, libFuzzer, nightly Rust): each target
# for RUNS executions (default 10,000,000), memory capped, every input timed out after 10 s.
# FUZZ_ASAN=1: `database` under AddressSanitizer (about 8 times slower).
# Not part of CI's default run. Findings land in fuzz/artifacts/<target>/; each one becomes a
# regression test in the ordinary suite. Usage: scripts/fuzz.sh [RUNS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(push server_messages markdown widget_options durations database queries)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  echo "== $target: $runs executions"
  start=$(date +%s)
  # No sanitizer by default: the project's code is safe Rust (unsafe is forbidden), and
  # AddressSanitizer's allocator cost most of each execution (push: 1,500 a second with it, 9,500
  # without; database: 177 against 1,300-1,500). FUZZ_ASAN=1 runs `database`, where SQLite's C
  # runs, under AddressSanitizer (its leak scan, a sixth of each execution, off for every target).
  build=(-s none --target-dir fuzz/target-none)
  if [ "$target" = database ] && [ "${FUZZ_ASAN:-0}" = 1 ]; then build=(-s address); fi
  cargo +nightly fuzz run "${build[@]}" "$target" "fuzz/corpus/$target" -- \
    -runs="$runs" -detect_leaks=0 -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -a -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  echo "   $(( $(date +%s) - start )) s"
done
