#!/usr/bin/env bash
# Build StreamViz (release) into .venv and serve the demo dashboard on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMVIZ_SKIP_APT=1 source scripts/setup.sh
maturin develop --release --quiet
exec python -m stream_viz demo --port "${PORT:-3000}" "$@"
