"""Fault injection for the crash tests: `checkpoint(name)` SIGKILLs this process when PORTAL_FAULT_AT == name.

A test hook, nothing else: production never sets PORTAL_FAULT_AT, and then a checkpoint costs one
environment lookup. The names mark the points of a write where a crash must leave the warehouse
either as before or with the whole change (see tests/portal/test_crash_safety.py and
docs/operations.md). SIGKILL, not an exception: no `finally`, no rollback, no flush runs, as when
the power fails or the OOM killer strikes.
"""

from __future__ import annotations

import os
import signal

ENV = "PORTAL_FAULT_AT"


def checkpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
