"""Re-extraction: this code's extraction run again on the archive's own captures, no network.

Each report names the WARC record its version was extracted from (reports.warc_file,
warc_offset); a report whose page only linked its attachment gets its data from the stored
file again (archive.attachments/), as the crawl does. What changed becomes a new version with
its report_changes (storage.archive.Archive.reextracted); every report re-read records the
extractor's version (pipelines/version.py).

Used by `xxgk reextract` (every report, after an upgrade) and by the crawl's item pipeline,
for a report that a crawl does not fetch again (304, or fresh) while its stored extraction is
older than this code's.
"""
from __future__ import annotations

import os
import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from crawler.warc import CaptureNotFound, read_record, warc_dir_for, warc_path
from pipelines.model import Extraction
from pipelines.report import (UnreadableInput, extract_bytes, report_with_attachment,
                              waits_for_attachments)
from pipelines.version import EXTRACTOR_VERSION
from storage.archive import Archive, attachments_dir_for

# A capture is decoded up to the crawl's own download limit (crawler/settings.py).
MAX_DECODED_BYTES = 64 * 1024 * 1024


class NotReextracted(Exception):
    """One line: why a report's capture could not be extracted again."""


def _header(headers: list[tuple[str, str]], name: str) -> Optional[str]:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def decoded_body(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The body as the crawl's extraction saw it: WARC keeps it as received, compressed."""
    encoding = (_header(headers, "content-encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 16 + zlib.MAX_WBITS if "gzip" in encoding else zlib.MAX_WBITS
        try:
            inflater = zlib.decompressobj(wbits)
            data = inflater.decompress(body, MAX_DECODED_BYTES + 1)
        except zlib.error:
            if encoding != "deflate":
                raise NotReextracted(f"capture is not valid {encoding}") from None
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, MAX_DECODED_BYTES + 1)  # raw deflate
        if len(data) > MAX_DECODED_BYTES:
            raise NotReextracted(f"capture inflates past {MAX_DECODED_BYTES} bytes")
        return data
    raise NotReextracted(f"capture has Content-Encoding {encoding!r}, which this code cannot read back")


@dataclass
class Counts:
    reports: int = 0
    changed: int = 0
    unchanged: int = 0
    no_capture: int = 0     # archived before captures were kept
    not_report: int = 0     # this code no longer reads the capture as a report: kept as it was
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, total: Optional[int] = None) -> str:
        of = f"/{total}" if total is not None else ""
        return (f"[reextract] reports {self.reports}{of} · changed {self.changed} · unchanged {self.unchanged}"
                f" · no capture {self.no_capture} · not a report now {self.not_report} · failed {self.failed}")


class Reextractor:
    """Extraction of stored reports from the archive's captures, written through `archive`."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.warc_dir = warc_dir_for(archive.path)
        self.attachments_dir = attachments_dir_for(archive.path)

    def extraction(self, report_id: str, url: str, warc_file: str, warc_offset: Any) -> Extraction:
        """What this code extracts from the report's capture (NotReextracted: why not)."""
        try:
            offset = int(warc_offset)
            path = warc_path(self.warc_dir, warc_file)
            _uri, _date, _status, headers, body = read_record(path, offset)
        except (TypeError, ValueError):
            raise NotReextracted(f"the archive names no valid offset in {warc_file}") from None
        except CaptureNotFound as exc:
            raise NotReextracted(str(exc)) from None
        try:
            page = extract_bytes(decoded_body(body, headers), url, _header(headers, "content-type"))
        except UnreadableInput as exc:
            raise NotReextracted(str(exc)) from None
        files = self.archive.db.execute(
            "select url, content_type, stored_as from attachments where report_id = ? and stored_as is not null "
            "order by used_for_report desc, fetched_at, url", [report_id]).fetchall()
        if not waits_for_attachments(page, [f[0] for f in files]):
            return page
        for file_url, content_type, stored_as in files:
            data = self._attachment(stored_as)
            if data is None:
                continue
            try:
                attached = extract_bytes(data, file_url, content_type, filename=file_url)
            except UnreadableInput:
                continue
            merged = report_with_attachment(page, attached)
            if merged is not None:
                return merged
        return page

    def _attachment(self, stored_as: str) -> Optional[bytes]:
        """A stored attachment's bytes; its path must stay inside archive.attachments/."""
        root = os.path.realpath(self.attachments_dir)
        path = os.path.realpath(os.path.join(root, stored_as))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            return None
        if os.path.getsize(path) > MAX_DECODED_BYTES:  # the crawl never stored more
            return None
        with open(path, "rb") as fh:
            return fh.read()

    def redo(self, report_id: str, counts: Counts, *, overwrite: Optional[dict] = None,
             fill: Optional[dict] = None) -> str:
        """Re-extract one stored report; its outcome, counted in `counts`."""
        row = self.archive.db.execute("select url, warc_file, warc_offset from reports where id = ?",
                                      [report_id]).fetchone()
        counts.reports += 1
        if row is None or not row[1]:
            counts.no_capture += 1
            return "no capture"
        url, warc_file, warc_offset = row
        try:
            extraction = self.extraction(report_id, url, warc_file, warc_offset)
        except NotReextracted as exc:
            counts.failed += 1
            counts.failures.append(f"{report_id} ({url}): {exc}")
            return "failed"
        except Exception as exc:  # an extraction bug: this report keeps its version, the rest go on
            counts.failed += 1
            counts.failures.append(f"{report_id} ({url}): extraction failed: {type(exc).__name__}: {exc}")
            return "failed"
        if not extraction.is_report:
            counts.not_report += 1
            return "not a report"
        outcome = self.archive.reextracted(report_id, extraction, overwrite=overwrite, fill=fill)
        if outcome == "changed":
            counts.changed += 1
        else:
            counts.unchanged += 1
        return outcome


def selected_reports(conn: sqlite3.Connection, portals: Iterable[str] = (),
                     since: Optional[str] = None, stale_only: bool = False) -> list[tuple[str, str]]:
    """(id, portal) of the reports to re-extract: of `portals` (all when empty), captured on or
    after `since` (an ISO date or time), only those of an older extractor with `stale_only`."""
    where, params = [], []
    portals = list(portals)
    if portals:
        where.append(f"portal in ({', '.join('?' for _ in portals)})")
        params += portals
    if since:
        where.append("coalesce(captured_at, last_seen, first_seen) >= ?")
        params.append(since)
    if stale_only:
        where.append("coalesce(extractor_version, 0) < ?")
        params.append(EXTRACTOR_VERSION)
    sql = "select id, portal from reports" + (" where " + " and ".join(where) if where else "") + " order by rowid"
    return [(r[0], r[1]) for r in conn.execute(sql, params)]


def reextract_archive(db: str, *, portals: Iterable[str] = (), since: Optional[str] = None,
                      stale_only: bool = False, registry: Optional[dict[str, dict]] = None,
                      progress: Callable[[str, bool], None] = lambda line, final: None,
                      every: float = 1.0) -> Counts:
    """Re-extract the selected reports of the archive at `db`. `registry`: portal id →
    {"region": {province, city, level, region_code}, "column_url": …}; a registered portal's
    reports take its region, and its column where they have none."""
    counts = Counts()
    with Archive(db) as archive:
        redo = Reextractor(archive)
        chosen = selected_reports(archive.db.conn, portals, since, stale_only)
        last = 0.0
        for report_id, portal in chosen:
            entry = (registry or {}).get(portal) or {}
            redo.redo(report_id, counts, overwrite=entry.get("region"),
                      fill={"column_url": entry["column_url"]} if entry.get("column_url") else None)
            now = time.monotonic()
            if now - last >= every:
                last = now
                progress(counts.line(len(chosen)), False)
        archive.flush()
        progress(counts.line(len(chosen)), True)
    return counts
