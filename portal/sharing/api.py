"""The read-only API's answers (issue 21), without HTTP machinery: `answer(...)` takes the token,
the dataset and the query parameters and returns status, body and media type; portal/ui/asgi_app.py
only hands a Starlette request over. JSON by default, paged; CSV (formula-safe) or Parquet on request.

Errors are one JSON shape with a stable code and the message in Chinese and English:
`{"error": {"code": "token-invalid", "message": "令牌无效或已过期", "message_en": "..."}}`.
An id outside the token's scope is answered 404 exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import polars as pl

from portal.accounts import tokens
from portal.core.context import Portal
from portal.core.errors import InvalidInput, NotFound, Refused
from portal.sharing import files
from portal.sharing.datasets import DATASETS, FILTERS, Query, dataset, fetch

PREFIX = "/api/v1"
# A page is at most this many rows: a province's values of a round (~10,000) in a few pages,
# small enough that one answer stays well under a second of serialization.
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8", "parquet": files.PARQUET_MEDIA}


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json(payload, status: int = 200) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, default=_plain).encode("utf-8")
    return Reply(status, body, "application/json", {"cache-control": "no-store"})


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def error(status: int, code: str, message: str, message_en: str) -> Reply:
    return _json({"error": {"code": code, "message": message, "message_en": message_en}}, status)


def token_invalid() -> Reply:
    reply = error(401, "token-invalid", "令牌无效或已过期", "invalid or expired token")
    return Reply(reply.status, reply.body, reply.media_type, reply.headers | {"www-authenticate": "Bearer"})


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header (never taken from the address: logs keep it)."""
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def index() -> dict:
    """The datasets, their filters and fields: what `GET /api/v1/` answers."""
    return {
        "version": "v1",
        "datasets": [
            {
                "name": d.name,
                "path": f"{PREFIX}/{d.name}",
                "title": d.title,
                "description": d.description,
                "filters": list(d.filters),
                "fields": [files.field_descriptor(f) for f in d.fields],
            }
            for d in DATASETS.values()
        ],
        "formats": list(FORMATS),
        "paging": {"limit": DEFAULT_LIMIT, "max_limit": MAX_LIMIT},
    }


def _int(params, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        top = f"至 {high}" if high is not None else "以上"
        raise InvalidInput(f"参数 {name} 须为 {low} {top}的整数。")
    return value


def _query(params) -> Query:
    known = {*FILTERS, "limit", "offset", "format"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise InvalidInput(f"不认识的参数：{'、'.join(unknown)}；可用：{'、'.join(sorted(known))}。")
    text = {name: (params.get(name) or "").strip() or None for name in ("plan", "office", "unit", "round")}
    return Query(**text, year=_int(params, "year", None, 1900, 2200))


def answer(portal: Portal, authorization: str | None, name: str | None, params: dict, path: str) -> Reply:
    """One API request: the token first (401 for any failure), then the dataset and its page. The token
    check and the read share one warehouse connection (opening one costs ~30-100 ms); the audit record is
    its own short transaction after it."""
    presented = bearer(authorization)
    if not tokens.well_formed(presented):  # no warehouse open for a token that cannot exist
        return token_invalid()
    with portal.warehouse.session():
        use = tokens.authenticate(portal, presented)
        if use is None:
            return token_invalid()
        read = _read(portal, use, name, params) if name else None
    if read is None:
        tokens.record_use(portal, use, path, 0)
        return _json(index())
    if isinstance(read, Reply):
        tokens.record_use(portal, use, path, 0, f"{read.status} {json.loads(read.body)['error']['code']}")
        return read
    d, frame, paging = read
    return _page(portal, use, path, d.name, frame, paging, params)


def _read(portal: Portal, use, name: str, params: dict):
    """The dataset, its rows as the token's account may read them and the paging asked for; or the
    refusal as a Reply (404 also for a plan, unit or office outside the scope: OutOfScope)."""
    try:
        fmt = (params.get("format") or "json").strip().lower()
        if fmt not in FORMATS:
            raise InvalidInput(f"参数 format 须为 {'、'.join(FORMATS)} 之一。")
        q = _query(params)
        paging = Paging(
            fmt,
            "limit" in params or "offset" in params,
            _int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            _int(params, "offset", 0, 0),
        )
        d = dataset(name)
        return d, fetch(portal, use.account, d.name, q), paging
    except NotFound as e:
        return error(404, "not-found", str(e), "not found (or outside the token's scope)")
    except Refused as e:
        return error(403, "forbidden", str(e), "the token's account may not read open data")
    except InvalidInput as e:
        return error(400, "invalid-parameter", str(e), "invalid parameter")


@dataclass(frozen=True)
class Paging:
    fmt: str
    explicit: bool  # limit or offset given
    limit: int
    offset: int


def _page(portal, use, path: str, name: str, frame: pl.DataFrame, paging: Paging, params: dict) -> Reply:
    total, fmt, limit, offset = frame.height, paging.fmt, paging.limit, paging.offset
    # A file (CSV, Parquet) is the whole table unless a page is asked for; JSON is always paged.
    page = frame if fmt != "json" and not paging.explicit else frame.slice(offset, limit)
    tokens.record_use(portal, use, path, page.height)
    if fmt == "csv":
        return Reply(200, files.csv_bytes(page), FORMATS["csv"], _file_headers(name, "csv", total))
    if fmt == "parquet":
        return Reply(
            200, files.parquet_bytes(page), FORMATS["parquet"], _file_headers(name, "parquet", total)
        )
    following = offset + limit
    next_url = None
    if following < total:
        keep = {k: v for k, v in params.items() if k != "offset"}
        next_url = f"{PREFIX}/{name}?{urlencode({**keep, 'offset': following})}"
    return _json({"data": _rows(page), "total": total, "limit": limit, "offset": offset, "next": next_url})


def _rows(frame: pl.DataFrame) -> list[dict]:
    """Rows as JSON objects; NaN (not JSON) becomes null."""
    return frame.with_columns(pl.col(pl.Float64).fill_nan(None)).to_dicts()


def _file_headers(name: str, ext: str, total: int) -> dict[str, str]:
    return {
        "cache-control": "no-store",
        "content-disposition": f'attachment; filename="{name}.{ext}"',
        "x-total-count": str(total),
    }
