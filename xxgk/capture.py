"""The archived original of a report, as it was served, from its WARC capture."""
from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass

from warcio.archiveiterator import ArchiveIterator

from crawler.warc import warc_dir_for
from storage.queries import capture_of


class CaptureNotFound(LookupError):
    pass


@dataclass
class Capture:
    url: str
    captured_at: str
    warc_file: str
    offset: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def read_record(path: str, offset: int) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    """(target URI, WARC-Date, HTTP status line, HTTP headers, body as received)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            http = record.http_headers
            return (record.rec_headers.get_header("WARC-Target-URI"),
                    record.rec_headers.get_header("WARC-Date"),
                    http.statusline if http else "", list(http.headers) if http else [],
                    record.content_stream().read())
    raise CaptureNotFound(f"no WARC record at {path}:{offset}")


def find_capture(db: str, report_id: str) -> Capture:
    if not os.path.exists(db):
        raise CaptureNotFound(f"no archive at {db}")
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = capture_of(conn, report_id)
    if row is None:
        raise CaptureNotFound(f"no report {report_id!r} in {db}")
    if not row[0]:
        raise CaptureNotFound(f"report {report_id} has no WARC capture (archived before captures were kept)")
    path = os.path.join(warc_dir_for(db), row[0])
    if not os.path.exists(path):
        raise CaptureNotFound(f"WARC file missing: {path}")
    url, date, status, headers, body = read_record(path, int(row[1]))
    return Capture(url, date or row[2], row[0], int(row[1]), status, headers, body)
