#!/usr/bin/env bash
# Build StreamViz (release) into .venv and serve the demo dashboard on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the demo needs: no apt packages, no test packages (Pathway alone is ~1.8 GB).
STREAMVIZ_SKIP_APT=1 STREAMVIZ_DEMO=1 source scripts/setup.sh
maturin develop --release --quiet
exec python -m stream_viz demo --port "${PORT:-3000}" "$@"
