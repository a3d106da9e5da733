#!/usr/bin/env bash
# Every benchmark, release builds: engine and native viewer (criterion / bench binaries),
# Python ingest, memory and persistence, streaming (peers, latency, fan-out, CPU) and the
# browser. Prints the numbers docs/BENCHMARKS.md records; takes ~20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMVIZ_SKIP_APT=1 source scripts/setup.sh
python -m pip install --quiet rerun-sdk
maturin develop --release --quiet
cargo build --release --quiet --examples --features client

echo "== engine (cargo bench --bench engine)"
cargo bench --quiet --bench engine -- --noplot 2>&1 | grep -E "^[a-z_/0-9.]+ *$|thrpt|time:" || true
echo "== batches handed between two cores (cargo bench --bench handoff)"
cargo bench --quiet --bench handoff
echo "== native viewer (cargo bench --bench gui)"
cargo bench --quiet --bench gui
echo "== python (benches/python_bench.py)"
python benches/python_bench.py
echo "== streaming (benches/stream_bench.py)"
python benches/stream_bench.py
echo "== points held, server on (benches/held_bench.py)"
python benches/held_bench.py
echo "== alert rules (benches/alerts_bench.py)"
python benches/alerts_bench.py
echo "== browser (benches/browser_bench.py)"
python benches/browser_bench.py
