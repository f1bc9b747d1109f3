"""What an administrative action did, for the page to show: refusals of bad input are not exceptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str  # Chinese, shown as is
    password: str | None = None  # a one-time password to show once (new account, reset)
