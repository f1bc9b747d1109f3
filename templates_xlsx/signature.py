"""The template signature: an HMAC over what identifies a workbook, so tampering is detected.

The builder writes it into the hidden `_meta` sheet; the validator recomputes it from the meta
values (or from the row keys it actually finds in the sheets) with the same secret. It covers the
template version, the unit, the round and the ordered pre-filled row keys, so a workbook for
another unit or round, or one whose `_meta` lists rows other than those issued, does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from schemas.sheets import INDICATOR_SHEET, TASK_SHEET

# Bumped only if the canonical form below changes (never silently: old templates would fail).
_CANONICAL_TAG = "kjcx-template-signature/1"
KEY_SEPARATOR = ","

# Which `_meta` entry lists the pre-filled row keys of which template sheet (by spec key).
META_ROW_KEYS: dict[str, str] = {INDICATOR_SHEET.key: "indicator_keys", TASK_SHEET.key: "task_keys"}


def join_keys(keys: Sequence[str]) -> str:
    """Row keys as stored in `_meta`: comma-joined, in sheet order."""
    return KEY_SEPARATOR.join(keys)


def split_keys(text: str | None) -> list[str]:
    """The inverse of `join_keys`; blank text is no keys."""
    if not text or not text.strip():
        return []
    return [k.strip() for k in text.split(KEY_SEPARATOR)]


def canonical(
    template_version: str, unit: str, round_code: str, indicator_keys: Sequence[str], task_keys: Sequence[str]
) -> bytes:
    """One line per field; row keys keep their order, so re-coding or moving a key changes it."""
    lines = [
        _CANONICAL_TAG,
        f"template_version={template_version}",
        f"unit={unit}",
        f"round={round_code}",
        "indicator_keys=" + "\x1f".join(indicator_keys),
        "task_keys=" + "\x1f".join(task_keys),
    ]
    return "\n".join(lines).encode("utf-8")


def sign(
    secret: bytes,
    template_version: str,
    unit: str,
    round_code: str,
    indicator_keys: Sequence[str],
    task_keys: Sequence[str],
) -> str:
    """HMAC-SHA256 in hex."""
    message = canonical(template_version, unit, round_code, indicator_keys, task_keys)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign_meta(meta: Mapping[str, str], secret: bytes) -> str:
    """The signature the `_meta` values should carry (keys read with `split_keys`)."""
    return sign(
        secret,
        str(meta.get("template_version") or ""),
        str(meta.get("unit") or ""),
        str(meta.get("round") or ""),
        split_keys(meta.get("indicator_keys")),
        split_keys(meta.get("task_keys")),
    )


def verify_meta(
    meta: Mapping[str, str],
    secret: bytes,
    indicator_keys: Sequence[str] | None = None,
    task_keys: Sequence[str] | None = None,
) -> bool:
    """True when `meta["signature"]` matches.

    With `indicator_keys` / `task_keys` (the codes actually found in the sheets, in sheet order)
    the signature is checked against those instead of the lists in `_meta`, so rows added,
    removed or re-coded in the sheets fail even if `_meta` itself is intact.
    """
    given = str(meta.get("signature") or "").strip().lower()
    if not given:
        return False
    fields = dict(meta)
    if indicator_keys is not None:
        fields["indicator_keys"] = join_keys(indicator_keys)
    if task_keys is not None:
        fields["task_keys"] = join_keys(task_keys)
    return hmac.compare_digest(sign_meta(fields, secret), given)
