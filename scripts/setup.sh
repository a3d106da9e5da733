# Sourced by scripts/test.sh and scripts/demo.sh: installs what StreamViz needs on a fresh
# Debian machine (Chromium for browser tests) and activates a virtualenv in .venv with maturin
# and, unless STREAMVIZ_DEMO=1 (the demo: no apt, no test packages), the test packages.
# Cargo's target directory lives outside the clone so repeated runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/streamviz-target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# Every build leaves stale artefacts in the shared target directory (a clone at another path
# builds the crate anew); past 40 GiB, or with under 8 GiB free on its disk, drop the debug
# artefacts so repeated runs cannot fill the disk. CI builds from nothing, so nothing incremental.
[ -n "${CI:-}" ] && export CARGO_INCREMENTAL=0
if [ -d "$CARGO_TARGET_DIR/debug" ]; then
  target_kb="$(du -sk "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)"
  free_kb="$(df -Pk "$CARGO_TARGET_DIR" | awk 'NR==2 {print $4}')"
  if [ "${target_kb:-0}" -gt $((40 * 1024 * 1024)) ] || [ "${free_kb:-0}" -lt $((8 * 1024 * 1024)) ]; then
    echo "== pruning $CARGO_TARGET_DIR/debug ($((target_kb / 1024 / 1024)) GiB in the target, $((free_kb / 1024 / 1024)) GiB free)"
    rm -rf "$CARGO_TARGET_DIR/debug"
  fi
fi
# Times on axes and in reference pictures are local time: make them the same everywhere.
export TZ=UTC
# wgpu and winit want a private runtime directory; headless machines often have none.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d)"
  export XDG_RUNTIME_DIR
fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium fonts-dejavu-core)
# Node's built-in test runner checks the browser code's pure modules (tests/js).
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
# The native viewer: a real window under Xvfb (tests), Mesa for egui_kittest's wgpu renderer,
# ImageMagick's `import` for screenshots of the whole screen; a D-Bus session with the desktop
# portal and its GTK file chooser, driven by xdotool, for the save-dialog test. Redis for the
# relay between servers, PostgreSQL 15 for persistence in it, and nginx for docs/DEPLOY.md's
# proxy (the tests start their own, on free ports).
for pkg in xvfb xauth libgl1-mesa-dri libegl-mesa0 libglx-mesa0 mesa-vulkan-drivers libvulkan1 \
  libxkbcommon-x11-0 libxcursor1 libxi6 libfontconfig1 x11-apps imagemagick \
  dbus xdg-desktop-portal xdg-desktop-portal-gtk xdotool \
  redis-server nginx-light postgresql; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${#need_apt[@]}" -gt 0 ] && [ "${STREAMVIZ_SKIP_APT:-0}" != "1" ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "== installing ${need_apt[*]} (apt)"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
python -m pip install --quiet "maturin>=1.9.4,<2"
# The tests' packages (Pathway alone is ~1.8 GB); the demo (STREAMVIZ_DEMO=1) needs none of them.
if [ "${STREAMVIZ_DEMO:-0}" != "1" ]; then
  python -m pip install --quiet "pytest>=8" "pytest-timeout>=2.3" "websockets>=13" "playwright>=1.50" "numpy>=1.26" "mypy>=1.13" \
    "pathway>=0.33,<0.34" "trustme>=1.2" "lz4>=4" \
    "nbclient>=0.10" "nbformat>=5.10" "ipykernel>=6.29" "pyyaml>=6" "jsonschema>=4.20"
fi
