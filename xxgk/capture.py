"""The archived original of a report, as it was served, from its WARC capture.

The archive names the WARC file and offset; both are checked before use (a plain file name
inside the archive's WARC folder, a record that warcio can read there), and every failure is
a `CaptureNotFound` with one line that shows neither server paths nor the bytes read.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass

from crawler.warc import CaptureNotFound, read_record, warc_dir_for, warc_path
from storage.queries import capture_of


@dataclass
class Capture:
    url: str
    captured_at: str
    warc_file: str
    offset: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def find_capture(db: str, report_id: str) -> Capture:
    if not os.path.exists(db):
        raise CaptureNotFound(f"no archive at {db}")
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = capture_of(conn, report_id)
    if row is None:
        raise CaptureNotFound(f"no report {report_id!r} in {db}")
    if not row[0]:
        raise CaptureNotFound(f"report {report_id} has no WARC capture (archived before captures were kept)")
    path = warc_path(warc_dir_for(db), row[0])
    try:
        offset = int(row[1])
    except (TypeError, ValueError):
        offset = -1
    if offset < 0:
        raise CaptureNotFound(f"the archive names no valid offset in {row[0]}")
    url, date, status, headers, body = read_record(path, offset)
    return Capture(url, date or row[2], row[0], offset, status, headers, body)
