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
    name = os.path.basename(path)
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            for record in ArchiveIterator(fh):
                http = record.http_headers
                return (record.rec_headers.get_header("WARC-Target-URI"),
                        record.rec_headers.get_header("WARC-Date"),
                        http.statusline if http else "", list(http.headers) if http else [],
                        record.content_stream().read())
    except Exception as exc:  # noqa: BLE001 (damaged bytes make warcio raise anything at all)
        # warcio's messages quote the bytes it found: name the kind of failure only
        raise CaptureNotFound(f"WARC record {name} @ {offset} could not be read "
                              f"(damaged capture: {type(exc).__name__})") from None
    raise CaptureNotFound(f"no WARC record at {name} @ {offset}")


def warc_path(warc_dir: str, warc_file: str) -> str:
    """The WARC file a report names, which must be a plain file name in the WARC folder (an
    archive row is data: `../../etc/passwd` or an absolute path is refused)."""
    if (not isinstance(warc_file, str) or not warc_file or warc_file != os.path.basename(warc_file)
            or warc_file in (".", "..") or "\x00" in warc_file or "/" in warc_file or "\\" in warc_file):
        raise CaptureNotFound("the archive names an invalid WARC file")
    path = os.path.join(warc_dir, warc_file)
    if os.path.islink(path) or not os.path.isfile(path):
        raise CaptureNotFound(f"WARC file missing: {warc_file}")
    return path


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
