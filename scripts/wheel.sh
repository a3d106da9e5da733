#!/usr/bin/env bash
# Build the stream-viz wheel into dist/: release, stripped, abi3 (one wheel for CPython ≥ 3.10),
# for this machine's platform (Linux x86_64 here), tagged manylinux: maturin checks the
# extension's linked libraries and glibc symbols as auditwheel does and fails the build if the
# wheel would not be manylinux-compliant. It holds the extension (engine, web server, native
# viewer, the browser dashboard's assets embedded), the Python package, and the `streamviz` and
# `streamviz-viewer` console scripts. Prints the wheel's path last.
#   scripts/wheel.sh && pip install dist/stream_viz-*.whl
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMVIZ_SKIP_APT=1 STREAMVIZ_DEMO=1 source scripts/setup.sh
mkdir -p dist
rm -f dist/stream_viz-*.whl
maturin build --release --strip --compatibility pypi --auditwheel check --out dist >&2
ls dist/stream_viz-*.whl
