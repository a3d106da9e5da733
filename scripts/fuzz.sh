#!/usr/bin/env bash
# Fuzz every parser that takes outside input (cargo-fuzz, libFuzzer, nightly Rust): each target
# for RUNS executions (default 10,000,000), memory capped, every input timed out after 10 s.
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
  # AddressSanitizer where C code runs (SQLite in `database`); elsewhere the code is safe Rust
  # and the sanitizer's allocator costs most of each execution (push: 1,500 a second with it).
  # LeakSanitizer's scan after runs is off for `database`: it was a sixth of each execution.
  if [ "$target" = database ]; then build=(-s address); leaks=0; else build=(-s none --target-dir fuzz/target-none); leaks=1; fi
  cargo +nightly fuzz run "${build[@]}" "$target" "fuzz/corpus/$target" -- \
    -runs="$runs" -detect_leaks="$leaks" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -a -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  echo "   $(( $(date +%s) - start )) s"
done
