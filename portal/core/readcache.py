"""Read results kept in this process while the warehouse's data is unchanged, so a warm page does
not recompute its views (issue 20: every page under 1 s warm).

A use case decorated with `@cached_read` is `f(portal, actor, ...)`. Its answer is kept under
the warehouse's data version (`Warehouse.data_version()`: moved by every commit not declared
bookkeeping, and by any change of the file this process did not make: another program's write, a
restore), the settings and today's date, the actor's whole identity and scope, and the arguments.
A data write drops every kept answer, so a scope or permission change takes effect at the next page;
a sign-in or a session's activity (bookkeeping: no kept answer reads it) keeps them (issue 23). One
account's answer is never given to another (different username or scope, different key). The role
and scope check still runs inside the use case on a miss; a hit was computed by the same check for
the same account on the same data. Failures are not kept. Each hit is a deep copy: a page may
change it.

A session's check (`remember`/`recall`) is kept under the file's stamp instead, which every write,
bookkeeping too, moves: a sign-out in another tab counts at once.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from warehouse import db

F = TypeVar("F", bound=Callable[..., Any])

# Answers kept per warehouse at its current stamp: a page asks for a handful, a role for a few
# dozen; a bound keeps a long-running server's memory flat at province scale.
MAX_ENTRIES = 256

_lock = threading.Lock()
# warehouse path -> (data version, {key: answer}) for the current version only.
_kept: dict[str, tuple[tuple, OrderedDict]] = {}
# Small facts kept under the stamp they were read at (a session's row and account: ~one per tab).
MAX_FACTS = 4096
_facts: OrderedDict = OrderedDict()

# Folders under PORTAL_HOME whose files a kept answer may depend on besides the warehouse: the
# scoring schemes (portal.assessment.scheme.SCHEME_DIR) and the 通报 rules (quote_rules.RULES_DIR).
CONFIG_DIRS = ("scoring", "bulletin")

# Switched off by tests that count queries, and by PORTAL_READ_CACHE=0 (operators, benchmarks).
enabled = os.environ.get("PORTAL_READ_CACHE", "1") != "0"


class _Unhashable(Exception):
    pass


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an argument (lists and dicts by content), or _Unhashable."""
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(_frozen(v) for v in value))
    try:
        hash(value)
    except TypeError:
        raise _Unhashable from None
    return value


def actor_key(actor: Any) -> tuple:
    """Everything about the actor a use case may look at: who, which role and unit, and the scope."""
    return (
        getattr(actor, "username", None),
        str(getattr(actor, "role", "")),
        getattr(actor, "unit", None),
        getattr(actor, "must_change_password", None),
        getattr(actor, "scope", None),
    )


def _config_stamp(home: Path) -> tuple:
    """settings.toml and the files of CONFIG_DIRS as (name, size, time): a hand edit counts too."""
    marks = []
    for path in (home / "settings.toml", *(home / d for d in CONFIG_DIRS)):
        try:
            st = path.stat()
        except OSError:
            marks.append(None)
            continue
        marks.append((path.name, st.st_size, st.st_mtime_ns))
        if path.is_dir():
            for child in sorted(path.iterdir()):
                cst = child.stat()
                marks.append((child.name, cst.st_size, cst.st_mtime_ns))
    return tuple(marks)


def _stamp(portal: Any) -> tuple:
    return (portal.warehouse.data_version(), _config_stamp(Path(portal.settings.home)))


def _settings_key(portal: Any) -> Any:
    settings = portal.settings
    try:
        hash(settings)
        return (settings, settings.today())
    except TypeError:
        return (str(settings.home), settings.today())


def cached_read(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(portal, actor, *args, **kwargs):
        if not enabled:
            return fn(portal, actor, *args, **kwargs)
        try:
            key = (
                fn.__module__,
                fn.__qualname__,
                actor_key(actor),
                _settings_key(portal),
                _frozen(args),
                _frozen(kwargs),
            )
            hash(key)
        except (_Unhashable, TypeError):
            return fn(portal, actor, *args, **kwargs)
        where = str(portal.warehouse.path)
        stamp = _stamp(portal)  # before computing: a write meanwhile changes it, never hides
        with _lock:
            kept = _kept.get(where)
            if kept is not None and kept[0] == stamp and key in kept[1]:
                kept[1].move_to_end(key)
                answer = kept[1][key]
                hit = True
            else:
                hit = False
        if hit:
            return copy.deepcopy(answer)
        answer = fn(portal, actor, *args, **kwargs)
        if _stamp(portal) != stamp:  # written while we computed: keep nothing
            return answer
        with _lock:
            kept = _kept.get(where)
            if kept is None or kept[0] != stamp:
                kept = (stamp, OrderedDict())
                _kept[where] = kept
            kept[1][key] = copy.deepcopy(answer)
            while len(kept[1]) > MAX_ENTRIES:
                kept[1].popitem(last=False)
        return answer

    return wrapper  # type: ignore[return-value]


def _moved(where: str, before: tuple, after: tuple) -> None:
    """The warehouse's stamp moved from `before` to `after` with its content as it was (a close
    folded the write-ahead log into the file): session checks kept at `before` hold at `after`."""
    with _lock:
        for key, (stamp, value) in list(_facts.items()):
            if key[0] == where and stamp == before:
                _facts[key] = (after, value)


def remember(portal: Any, key: tuple, value: Any, stamp: tuple) -> None:
    """Keep `value` for `recall` while the warehouse's stamp is `stamp`: the caller read the value in
    a transaction that ended at that stamp (`db.last_commit_stamp()`), so it is the warehouse's then."""
    where = str(portal.warehouse.path)
    with _lock:
        _facts[(where, key)] = (stamp, value)
        _facts.move_to_end((where, key))
        while len(_facts) > MAX_FACTS:
            _facts.popitem(last=False)


def recall(portal: Any, key: tuple, stamp: tuple) -> Any:
    """What `remember` kept under `key`, if the warehouse is still at the stamp it was kept at."""
    if not enabled:
        return None
    with _lock:
        kept = _facts.get((str(portal.warehouse.path), key))
    return kept[1] if kept is not None and kept[0] == stamp else None


db.stamp_listeners.append(_moved)


def clear() -> None:
    """Drop every kept answer (tests; a restore drops them anyway by moving the data version)."""
    with _lock:
        _kept.clear()
        _facts.clear()
