"""File safety and the read of one workbook together, for a worker process (a large batch).

A batch's files are checked where they are read: the worker that parses a file first runs stage 1
(validators.file_safety) on its bytes and parses only a file that passed, so the hostile-input
guard still runs on every file before any parser, and the calling process, which validates and
records the batch, does neither (templates_xlsx.isolation.calls_ahead).
"""

from __future__ import annotations

from schemas.issues import Issue
from templates_xlsx.isolation import portable
from templates_xlsx.upload import ParsedUpload, read_upload
from validators.file_safety import Limits, check_file


def check_and_read(
    data: bytes, limits: Limits, check_sizes: bool = True
) -> tuple[list[Issue] | Exception, ParsedUpload | Exception | None]:
    """(stage 1's issues, the parsed upload): the upload is None when stage 1 found an error; an
    exception in place of either is the one that check raised, for the caller to report."""
    try:
        issues = check_file(data, limits)
    except Exception as exc:
        return portable(exc), None
    if any(i.is_error for i in issues):
        return issues, None
    try:
        return issues, read_upload(data, check_sizes)
    except Exception as exc:
        return issues, portable(exc)
