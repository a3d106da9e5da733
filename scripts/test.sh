#!/usr/bin/env bash
# Install every test dependency and run every test: the modules' shape (scripts/check_modules.py),
# formatting and lints, Rust unit and integration tests, the browser code's unit tests (Node),
# the release wheel installed into a fresh virtualenv, the Python suite (API, protocol, headless
# Chromium), and a 2-minute soak that fails when memory grows after its warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "== module shape (no import cycles, layers, file sizes)"
python3 scripts/check_modules.py

echo "== cargo fmt / clippy"
cargo fmt --all -- --check
cargo clippy --all-targets --features python -- -D warnings

echo "== cargo test"
cargo test

echo "== javascript unit tests (node --test)"
node --test --test-reporter=spec tests/js/*.test.js

echo "== wheel (scripts/wheel.sh: release, abi3, manylinux), installed by tests/python/test_wheel.py"
STREAMVIZ_WHEEL="$(bash scripts/wheel.sh | tail -n 1)"
export STREAMVIZ_WHEEL

echo "== python tests"
maturin develop --quiet
python -m pytest -q -p no:cacheprovider tests/python

echo "== soak: 2 minutes at 100k points/s, memory flat after the warm-up (benches/soak.py)"
python benches/soak.py --minutes 2 --interval 5 --check
