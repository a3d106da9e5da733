#!/usr/bin/env python3
"""The shape of the code, checked (docs/ARCHITECTURE.md, "Rules"):

1. no source file is over 900 lines (a file that is one cohesive thing may be listed in
   LONG_FILES with the reason docs/ARCHITECTURE.md gives);
2. no two source files import each other, nor do longer chains of files come back to where they
   started: Rust (`use` and paths in src/), the browser's ES modules (assets/) and the Python
   package (python/stream_viz);
3. each Rust module uses only the modules below it (RUST_LAYERS), and each browser module only
   modules of its own rank or lower (JS_RANKS).

Run by scripts/test.sh; prints what it found and exits 1 when a rule is broken.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 900
# path -> why it stays one file (none today)
LONG_FILES: dict[str, str] = {}

# Which top-level module of the crate may use which (lib.rs, the root, may use all).
RUST_LAYERS: dict[str, set[str]] = {
    "clock": set(),
    "urls": set(),
    "certs": set(),
    "engine": set(),
    "history": {"engine"},
    "protocol": {"engine", "clock"},
    "ingest": {"engine", "protocol", "clock", "history", "certs"},
    "store": {"engine", "protocol", "ingest", "clock", "history", "urls"},
    "alerting": {"engine", "protocol", "ingest", "clock"},
    "relay": {"engine", "protocol", "ingest", "clock", "urls"},
    "web": {"engine", "protocol", "ingest", "clock", "history", "certs", "alerting"},
    "gui": {"engine", "protocol", "ingest", "clock", "history", "store"},
    "cli": {"engine", "protocol", "ingest", "clock", "history", "store", "web", "alerting",
            "relay", "urls"},
    "python": {"engine", "protocol", "ingest", "clock", "history", "store", "web", "gui",
               "alerting", "cli", "relay", "urls"},
}

# Browser modules by rank: a module imports modules of its own rank or lower only. 0: pure (no
# DOM, tested with Node); 1: page-wide state and helpers; 2: drawing one widget; 3: the page's
# parts; 4: the entry.
JS_RANKS: dict[str, int] = {
    "format.js": 0, "model.js": 0, "protocol.js": 0, "timewindow.js": 0, "decimate.js": 0,
    "plotdata.js": 0, "held.js": 0, "dial.js": 0, "alerts.js": 0,
    "state.js": 1, "dom.js": 1, "scheduler.js": 1,
    "charts.js": 2, "timechart.js": 2, "zoom.js": 2, "ranges.js": 2, "widgets/": 2,
    "render.js": 3, "cards.js": 3, "layout.js": 3, "theme.js": 3, "controls.js": 3,
    "connection.js": 3, "replay.js": 3, "alertpanel.js": 3,
    "app.js": 4, "embed.js": 4,
}

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


# ---- Rust ----------------------------------------------------------------------------------------

CHAR_LITERAL = re.compile(r"b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])'")


def strip_rust(text: str) -> str:
    """The code without comments and string and char literals (lifetimes are kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif (m := re.match(r'b?r(#*)"', text[i:])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(1)
            end = text.find(close, i + m.end())
            i = n if end < 0 else end + len(close)
            out.append('""')
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append('""')
        elif c == "'" and (m := CHAR_LITERAL.match(text, i)):
            i = m.end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_modules(code: str) -> str:
    """Without inline `#[cfg(test)] mod name { ... }` blocks (their `super` is the file itself)."""
    while m := re.search(r"#\[cfg\(test\)\]\s*mod\s+" + IDENT + r"\s*\{", code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        code = code[: m.start()] + code[j:]
    return code


def use_paths(tree: str) -> list[tuple[list[str], str | None]]:
    """The paths of a `use` tree (`a::{b, c::{d as e}}`), each with the name it binds."""
    # `x as y` becomes `x@y` before white space goes, so that names holding "as" stay whole.
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+", "@", tree))
    paths: list[tuple[list[str], str | None]] = []

    def walk(prefix: list[str], text: str) -> None:
        if "{" in text and text.endswith("}"):
            head, body = text[: text.index("{")], text[text.index("{") + 1 : -1]
            base = prefix + [s for s in head.split("::") if s]
            depth, start = 0, 0
            for k, ch in enumerate(body + ","):
                if ch in "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                elif ch == "," and depth == 0:
                    part = body[start:k]
                    if part:
                        walk(base, part)
                    start = k + 1
            return
        name, _, alias = text.partition("@")
        segs = prefix + [s for s in name.split("::") if s]
        if segs and segs[-1] == "self":
            segs = segs[:-1]
        paths.append((segs, alias or (segs[-1] if segs else None)))

    walk([], tree)
    return paths


def rust_modules() -> dict[tuple[str, ...], Path]:
    """Every module of the crate (not the binaries), by its path, with its file."""
    src = ROOT / "src"
    modules: dict[tuple[str, ...], Path] = {(): src / "lib.rs"}
    for path in sorted(src.rglob("*.rs")):
        rel = path.relative_to(src).with_suffix("").parts
        if rel[0] == "bin" or rel == ("lib",):
            continue
        modules[rel[:-1] if rel[-1] == "mod" else rel] = path
    return modules


def rust_graph() -> tuple[dict[Path, set[Path]], list[str]]:
    modules = rust_modules()
    file_module = {path: module for module, path in modules.items()}
    code = {path: drop_test_modules(strip_rust(path.read_text())) for path in file_module}
    uses: dict[Path, list[tuple[bool, list[str], str | None]]] = {}
    for path, text in code.items():
        found = []
        for m in re.finditer(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
            found.extend((bool(m.group(1)), segs, alias) for segs, alias in use_paths(m.group(2)))
        uses[path] = found

    aliases: dict[Path, dict[str, tuple[str, ...]]] = {p: {} for p in code}
    reexports: dict[tuple[str, ...], dict[str, list[str]]] = {m: {} for m in modules}

    def start(path: Path, segs: list[str]) -> tuple[tuple[str, ...], list[str]] | None:
        cur = file_module[path]
        if not segs:
            return None
        head, rest = segs[0], segs[1:]
        if head == "crate":
            return (), rest
        if head == "self":
            return cur, rest
        if head == "super":
            base = cur[:-1]
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
            return base, rest
        if cur + (head,) in modules:
            return cur + (head,), rest
        if head in aliases[path]:
            return aliases[path][head], rest
        return None

    def walk(base: tuple[str, ...], rest: list[str], seen: int = 0) -> tuple[str, ...]:
        module = base
        for k, seg in enumerate(rest):
            if module + (seg,) in modules:
                module = module + (seg,)
                continue
            target = reexports[module].get(seg)
            if target is not None and seen < 8:
                found = start(modules[module], target)
                if found:
                    return walk(found[0], found[1] + rest[k + 1 :], seen + 1)
            return module
        return module

    for _ in range(2):  # aliases and re-exports refer to each other: settle them
        for path, found in uses.items():
            for public, segs, alias in found:
                began = start(path, segs)
                if not began:
                    continue
                target = walk(*began)
                if alias and target == began[0] + tuple(began[1]) and target in modules:
                    aliases[path][alias] = target
                if public and alias:
                    reexports[file_module[path]][alias] = segs

    graph: dict[Path, set[Path]] = {p: set() for p in code}
    broken: list[str] = []
    names = "|".join(["crate", "super", "self"])
    for path, text in code.items():
        cur = file_module[path]
        local = set(aliases[path]) | {m[-1] for m in modules if m[:-1] == cur and m}
        pattern = r"\b((?:" + names + "|" + "|".join(map(re.escape, sorted(local))) + r")(?:::" + IDENT + r")+)" if local else r"\b((?:" + names + r")(?:::" + IDENT + r")+)"
        paths = [segs for _, segs, _ in uses[path]] + [m.group(1).split("::") for m in re.finditer(pattern, text)]
        for segs in paths:
            began = start(path, segs)
            if not began:
                continue
            target = modules[walk(*began)]
            if target == path:
                continue
            graph[path].add(target)
            layer, used = (cur[:1] or ("",))[0], (file_module[target][:1] or ("",))[0]
            if layer and used and used != layer and used not in RUST_LAYERS.get(layer, set()):
                broken.append(f"{rel(path)} uses {rel(target)}: `{layer}` may not use `{used}` (RUST_LAYERS)")
    return graph, sorted(set(broken))


# ---- JavaScript and Python ----------------------------------------------------------------------

def js_graph() -> tuple[dict[Path, set[Path]], list[str]]:
    assets = ROOT / "assets"
    files = [p for p in assets.rglob("*.js") if "vendor" not in p.parts]
    graph: dict[Path, set[Path]] = {p: set() for p in files}
    broken = []

    def rank(path: Path) -> int:
        name = path.relative_to(assets).as_posix()
        return JS_RANKS.get(name, JS_RANKS.get(name.split("/")[0] + "/", 9))

    for path in files:
        for m in re.finditer(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']|^\s*import\s*["'](\.[^"']+)["']""", path.read_text(), re.M | re.S):
            target = (path.parent / (m.group(1) or m.group(2))).resolve()
            graph[path].add(target)
            if target in graph and rank(target) > rank(path):
                broken.append(f"{rel(path)} imports {rel(target)}: a module imports only modules of its own rank or lower (JS_RANKS)")
    unranked = [rel(p) for p in files if rank(p) == 9]
    broken += [f"{name} has no rank in JS_RANKS" for name in unranked]
    return graph, broken


def python_graph() -> dict[Path, set[Path]]:
    package = ROOT / "python" / "stream_viz"
    files = list(package.glob("*.py"))
    graph: dict[Path, set[Path]] = {p: set() for p in files}
    for path in files:
        text = path.read_text()
        for m in re.finditer(r"^\s*from\s+(\.+)(\w*)\s+import\s+([\w, ()\n]+)", text, re.M):
            if m.group(2):
                targets = [m.group(2)]
            else:
                targets = [t.strip() for t in m.group(3).replace("(", "").replace(")", "").split(",")]
            for name in targets:
                target = package / f"{name}.py"
                if target.exists():
                    graph[path].add(target)
        if re.search(r"^\s*(?:import\s+stream_viz\b|from\s+stream_viz\s+import)", text, re.M) and path.name != "__init__.py":
            graph[path].add(package / "__init__.py")
    return graph


# ---- checks --------------------------------------------------------------------------------------

def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def cycles(graph: dict[Path, set[Path]]) -> list[list[Path]]:
    """Strongly connected components of more than one file (Tarjan)."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    found: list[list[Path]] = []
    sys.setrecursionlimit(10_000)

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def long_files() -> list[str]:
    problems = []
    patterns = ["src/**/*.rs", "assets/**/*.js", "assets/**/*.css", "python/**/*.py", "tests/**/*.rs", "tests/**/*.py", "tests/**/*.js", "benches/*", "examples/*", "scripts/*"]
    for pattern in patterns:
        for path in ROOT.glob(pattern):
            if "vendor" in path.parts or not path.is_file() or path.suffix not in {".rs", ".js", ".css", ".py", ".sh"}:
                continue
            lines = path.read_text().count("\n")
            if lines > MAX_LINES and rel(path) not in LONG_FILES:
                problems.append(f"{rel(path)} has {lines} lines (more than {MAX_LINES}): split it along its seams")
    return problems


def main() -> int:
    rust, rust_broken = rust_graph()
    js, js_broken = js_graph()
    problems = long_files() + rust_broken + js_broken
    for name, graph in [("Rust", rust), ("JavaScript", js), ("Python", python_graph())]:
        for component in cycles(graph):
            problems.append(f"{name} files import each other: " + " <-> ".join(rel(p) for p in component))
    edges = sum(len(v) for g in (rust, js) for v in g.values())
    if problems:
        print("\n".join(problems))
        return 1
    print(f"modules: {len(rust)} Rust, {len(js)} JavaScript files, {edges} imports; no cycles, no layer crossed, none over {MAX_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
