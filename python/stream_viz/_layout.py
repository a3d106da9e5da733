"""Layout containers: pages, the sidebar, columns, tabs and expanders.

Containers nest with ``with`` blocks; a widget declared inside a block goes into it. The nesting
is tracked per thread, so a background thread that declares widgets starts at the top level of
the current page. Container ids are derived from the nesting (``"page:Ops/tabs0/tab:Live"``), so
running the same script again declares the same containers. In a notebook each cell counts its
own containers (:func:`begin_cell`), so running a cell again declares the same ones again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

from . import _core
from .errors import StreamVizTypeError, ValidationError

__all__ = ["columns", "column", "tabs", "tab", "expander", "sidebar", "page", "current_parent", "reset"]


class _Frame:
    __slots__ = ("id", "kind", "names", "used")

    def __init__(self, id: str, kind: str, names: tuple[str, ...] = ()) -> None:
        self.id = id
        self.kind = kind
        self.names = names
        self.used = 0


_local = threading.local()
_lock = threading.Lock()
_page: str | None = None
# (notebook cell, parent id, kind) -> containers of that kind declared there so far
_counters: dict[tuple[str | None, str | None, str], int] = {}
# The notebook cell running now (its id's start), or None outside notebooks.
_cell: str | None = None


def _stack() -> list[_Frame]:
    stack: list[_Frame] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = []
        _local.stack = stack
    return stack


def current_parent() -> str | None:
    """The container a widget declared now goes into (``None``: the first page)."""
    stack = _stack()
    return stack[-1].id if stack else _page


def reset() -> None:
    """Forget the nesting state (with ``sv.reset()``)."""
    global _page
    with _lock:
        _page = None
        _counters.clear()
    _stack().clear()


def _declare(spec: dict[str, Any]) -> None:
    _core.declare_container(json.dumps(spec))


def begin_cell(cell: str | None) -> None:
    """A notebook cell starts (``cell``: its id, None when unknown): its containers are counted
    from 0 again and named after it, so running it again declares the same containers and other
    cells' stay apart."""
    global _cell
    with _lock:
        _cell = cell
        for key in [k for k in _counters if k[0] == cell]:
            del _counters[key]
    _stack().clear()


def _next_id(parent: str | None, kind: str) -> str:
    with _lock:
        cell = _cell
        n = _counters.get((cell, parent, kind), 0)
        _counters[(cell, parent, kind)] = n + 1
    name = f"{kind}{n}" if cell is None else f"{kind}{n}@{cell}"
    return f"{parent}/{name}" if parent else name


def _check_name(what: str, name: object) -> str:
    if not isinstance(name, str):
        raise StreamVizTypeError(f"a {what} name is a str, not {type(name).__name__}")
    return name


class _Block:
    """A ``with`` block that makes a declared container the current parent."""

    def __init__(self, frame: _Frame) -> None:
        self._frame = frame

    @property
    def id(self) -> str:
        """The container id."""
        return self._frame.id

    def __enter__(self) -> _Block:
        _stack().append(self._frame)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack = _stack()
        if stack and stack[-1] is self._frame:
            stack.pop()


class _Columns(_Block):
    """A row of columns. In ``with sv.columns(3):`` each widget or container declared directly
    inside takes the next column, round robin after the last (the server places it); its columns
    are also ``c1, c2, c3 = sv.columns(3)`` (then ``with c1:``), or ``with sv.column():`` inside."""

    def __init__(self, frame: _Frame, count: int) -> None:
        super().__init__(frame)
        self._count = count
        self._columns: list[_Block] | None = None

    def _all(self) -> list[_Block]:
        if self._columns is None:
            row = self._frame
            for i in range(row.used, self._count):
                _declare({"id": f"{row.id}/column{i}", "parent": row.id, "type": "column"})
            row.used = max(row.used, self._count)
            self._columns = [_Block(_Frame(f"{row.id}/column{i}", "column")) for i in range(self._count)]
        return self._columns

    def __iter__(self) -> Iterator[_Block]:
        return iter(self._all())

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> _Block:
        return self._all()[index]

    def __enter__(self) -> _Columns:
        super().__enter__()
        return self


def columns(spec: int | Sequence[float]) -> _Columns:
    """A row of columns: ``columns(3)`` for equal widths, ``columns([2, 1])`` for weights.

    ``with sv.columns(3):`` puts each widget declared directly inside in the next column, in
    turn; ``c1, c2 = sv.columns(2)`` gives the columns to fill with ``with c1:``; and
    ``with sv.column():`` inside the row fills its next column.
    """
    if isinstance(spec, bool) or not isinstance(spec, (int, Sequence)):
        raise StreamVizTypeError(f"columns() takes a count or a list of widths, not {type(spec).__name__}")
    if isinstance(spec, int):
        weights = [1.0] * spec
    else:
        if any(isinstance(w, bool) or not isinstance(w, (int, float)) for w in spec):
            raise StreamVizTypeError("column widths are numbers")
        weights = [float(w) for w in spec]
    parent = current_parent()
    container_id = _next_id(parent, "columns")
    _declare({"id": container_id, "parent": parent, "type": "columns", "weights": weights})
    return _Columns(_Frame(container_id, "columns"), len(weights))


def column() -> _Block:
    """The next column of the enclosing ``with sv.columns(n):`` block."""
    stack = _stack()
    if not stack or stack[-1].kind != "columns":
        raise ValidationError("sv.column() goes directly inside `with sv.columns(n):`")
    row = stack[-1]
    container_id = f"{row.id}/column{row.used}"
    _declare({"id": container_id, "parent": row.id, "type": "column"})
    row.used += 1
    return _Block(_Frame(container_id, "column"))


def tabs(names: Sequence[str]) -> _Block:
    """A set of tabs with these names; fill each in ``with sv.tab(name):``."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise StreamVizTypeError("tabs() takes a list of names, e.g. tabs(['Live', 'History'])")
    names = tuple(_check_name("tab", n) for n in names)
    parent = current_parent()
    container_id = _next_id(parent, "tabs")
    _declare({"id": container_id, "parent": parent, "type": "tabs", "names": list(names)})
    return _Block(_Frame(container_id, "tabs", names))


def tab(name: str) -> _Block:
    """One tab of the enclosing ``with sv.tabs([...]):`` block."""
    name = _check_name("tab", name)
    stack = _stack()
    if not stack or stack[-1].kind != "tabs":
        raise ValidationError("sv.tab(name) goes directly inside `with sv.tabs([...]):`")
    tabs_frame = stack[-1]
    if name not in tabs_frame.names:
        raise ValidationError(f"tab {name!r} is not one of {list(tabs_frame.names)}")
    container_id = f"{tabs_frame.id}/tab:{name}"
    _declare({"id": container_id, "parent": tabs_frame.id, "type": "tab", "name": name})
    return _Block(_Frame(container_id, "tab"))


def expander(title: str, expanded: bool = False) -> _Block:
    """A collapsible section, closed on load unless ``expanded``."""
    title = _check_name("expander", title)
    parent = current_parent()
    container_id = _next_id(parent, "expander")
    _declare({"id": container_id, "parent": parent, "type": "expander", "title": title, "expanded": bool(expanded)})
    return _Block(_Frame(container_id, "expander"))


def sidebar() -> _Block:
    """The side panel, shown on every page: ``with sv.sidebar():``."""
    if _stack():
        raise ValidationError("sv.sidebar() is only used at the top level, not inside another block")
    _declare({"id": "sidebar", "type": "sidebar"})
    return _Block(_Frame("sidebar", "sidebar"))


class _Page(_Block):
    def __init__(self, frame: _Frame, previous: str | None) -> None:
        super().__init__(frame)
        self._previous = previous

    def __enter__(self) -> _Page:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        global _page
        with _lock:
            _page = self._previous


def page(name: str) -> _Block:
    """Start a page: widgets declared after ``sv.page(name)`` go on it, until the next page.

    Each page has its own URL (``/page/<slug>``) and an entry in the navigation. Also works as
    ``with sv.page(name):``, which returns to the previous page at the end of the block.
    """
    global _page
    name = _check_name("page", name)
    if _stack():
        raise ValidationError("sv.page() is only used at the top level, not inside another block")
    container_id = f"page:{name}"
    _declare({"id": container_id, "type": "page", "name": name})
    with _lock:
        previous = _page
        _page = container_id
    return _Page(_Frame(container_id, "page"), previous)
