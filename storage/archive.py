"""The storage edge: extractions and fetches into `archive.db` (../shared/contracts/archive.md).

No Scrapy here, so the crawler, the CLI and the tests share one writer. Writes are buffered and
committed one transaction per batch, because a crawl saves thousands of small rows and one
fsync per row would dominate its run time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from typing import Any, Optional, Union
from urllib.parse import urlsplit

import sqlite_utils

from pipelines.model import Extraction
from pipelines.version import EXTRACTOR_VERSION
from storage.identity import canonical_url, report_id_for  # noqa: F401 (the archive's ids)
from storage.migrations import migrate
from storage.rekey import rekey_reports
from storage.rows import PreparedReport, dumps, prepare
from storage.schema import TABLES
from storage.versions import pack
from storage.content import NOT_CONTENT, _plain_numbers, canonical_json, content_hash, content_hash_of  # noqa: F401

# Fields listed first in report_changes (then every other key of the extraction, sorted);
# cells, indicators and metadata are compared entry by entry.
TRACKED_FIELDS = ("title", "index_no", "agency", "publisher", "written_date", "published_date",
                  "signed_date", "report_year", "template", "is_report", "body_text")
# Where a report's portal is (from the registry).
REGION_KEYS = ("province", "city", "level", "region_code")
BY_ENTRY = ("cells", "indicators", "metadata")


def utc_now() -> str:
    """The archive's one timestamp format: ISO 8601 UTC, whole seconds, trailing 'Z'."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_timestamp(value: Optional[str]) -> str:
    """Callers may pass any ISO timestamp; store it in the one format (naive means UTC)."""
    if not value:
        return utc_now()
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # keep what we were given rather than lose it
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def attachments_dir_for(db: str) -> str:
    """Attachment files live beside the archive: archive.db → archive.attachments/."""
    base, _ext = os.path.splitext(os.path.abspath(db))
    return base + ".attachments"


def store_file(folder: str, data: bytes, suggested_name: str = "") -> tuple[str, str]:
    """Write `data` once under its sha256 name; (sha256, path relative to folder)."""
    digest = hashlib.sha256(data).hexdigest()
    ext = os.path.splitext(urlsplit(suggested_name).path)[1].lower()
    ext = ext if re.fullmatch(r"\.[a-z0-9]{1,5}", ext or "") else ""
    relative = os.path.join(digest[:2], digest + ext)
    path = os.path.join(folder, relative)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".part"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    return digest, relative


def alias_url(url: str, alias: Optional[Any]) -> str:
    """Store a portal served on an ephemeral loopback port (the bundled demo) under a fixed
    origin: alias = (served origin, stable origin). Report ids come from URLs."""
    if alias and url.startswith(alias[0]):
        return alias[1] + url[len(alias[0]):]
    return url


def _cell_map(data: dict[str, Any]) -> dict[str, Any]:
    return {dumps([c.get("table"), c.get("row"), c.get("column")]): _plain_numbers(c)
            for c in data.get("cells") or []}


def _text(value: Any) -> Optional[str]:
    """A value as report_changes shows it: text as is, lists and objects as JSON."""
    if value is None:
        return None
    if isinstance(value, (dict, list, tuple)):
        return canonical_json(_plain_numbers(value))
    return str(value)


def _folded(name: str, value: Any) -> Any:
    """What is compared: white space in body text is layout (as in content_hash)."""
    if name == "body_text":
        return re.sub(r"\s+", "", value or "")
    return _plain_numbers(value)


def changes_between(report_id: str, version: int, old: dict[str, Any],
                    new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from one version to the next: every key of the extraction that content_hash
    covers (so a new version always has its rows): fields, checks, errors …, and indicators,
    metadata and cells (raw text) entry by entry."""
    out = []

    def add(kind: str, name: str, a: Any, b: Any) -> None:
        out.append({"report_id": report_id, "version": version, "kind": kind, "name": name,
                    "old": _text(a), "new": _text(b)})

    keys = set(old) | set(new)
    others = sorted(keys - set(TRACKED_FIELDS) - set(NOT_CONTENT) - set(BY_ENTRY))
    for name in [*TRACKED_FIELDS, *others]:
        if _folded(name, old.get(name)) != _folded(name, new.get(name)):
            add("field", name, old.get(name), new.get(name))
    for group in ("indicators", "metadata"):
        old_map, new_map = old.get(group) or {}, new.get(group) or {}
        for name in sorted(set(old_map) | set(new_map)):
            if _plain_numbers(old_map.get(name)) != _plain_numbers(new_map.get(name)):
                add("field", f"{group}.{name}", old_map.get(name), new_map.get(name))
    old_cells, new_cells = _cell_map(old), _cell_map(new)
    for key in sorted(set(old_cells) | set(new_cells)):
        a, b = old_cells.get(key), new_cells.get(key)
        if a != b:
            if (a or {}).get("raw") != (b or {}).get("raw"):  # as printed: the raw text
                add("cell", key, (a or {}).get("raw"), (b or {}).get("raw"))
            else:  # same text read otherwise (value, unit): the whole cell
                add("cell", key, a, b)
    if old_cells == new_cells and list(old_cells) != list(new_cells):
        add("field", "cells", "(the same cells in another order)", None)
    return out


def _insert_sql(table: str, columns: tuple[str, ...], verb: str = "insert") -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"{verb} into [{table}] ({names}) values ({', '.join('?' for _ in columns)})"


# cell_values rows (storage/schema.py): the label is resolved to labels.id when written.
CELL_COLUMNS = ("report_id", "seq", "label_id", "unit", "value", "raw", "duplicate")
CHECK_COLUMNS = ("report_id", "check", "expected", "found", "kind", "detail", "seq")
_INSERT_CELL = _insert_sql("cell_values", CELL_COLUMNS)
_INSERT_CHECK = _insert_sql("checks", CHECK_COLUMNS)
_INSERT_VERSION = ("insert or replace into version_store (report_id, version, content_sha256, url, "
                   "first_seen, last_seen, data_zlib, data_size) values (:report_id, :version, :content_sha256, "
                   ":url, :first_seen, :last_seen, :data_zlib, :data_size)")
# The version a new one replaces becomes an earlier one: its JSON kept, compressed (storage/versions.py).
_KEEP_VERSION = ("update version_store set data_json = null, data_zlib = ?, data_size = ? "
                 "where report_id = ? and version = ?")
_INSERT_CHANGE = ("insert into report_changes (report_id, version, kind, name, old, new) "
                  "values (:report_id, :version, :kind, :name, :old, :new)")
_UPSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def _upsert_sql(table: str, columns: tuple[str, ...], pk: str) -> str:
    """insert … on conflict do update: a new row fires only the FTS insert triggers."""
    sql = _UPSERTS.get((table, columns))
    if sql is None:
        names = ", ".join(f"[{c}]" for c in columns)
        values = ", ".join(f":{c}" for c in columns)
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != pk)
        sql = _UPSERTS[(table, columns)] = (f"insert into [{table}] ({names}) values ({values}) "
                                            f"on conflict([{pk}]) do update set {updates}")
    return sql


class Archive:
    """Buffered writer over one archive file; use as a context manager so close() flushes.

    The buffer is flushed on close even when the with-block raised: what was crawled is kept.
    """

    def __init__(self, path: Union[str, os.PathLike], batch_size: int = 50,
                 aliases: Optional[dict[str, str]] = None):
        self.path = os.fspath(path)
        # Host names the registry declares as another name of a portal's (storage/identity.py).
        self.aliases = dict(aliases or {})
        self.batch_size = max(1, int(batch_size))
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA busy_timeout = 10000")
        if self.path != ":memory:":
            self.db.enable_wal()
        self._ops: list[tuple[str, Any]] = []
        # Reports saved but not yet flushed: id -> (content_sha256, version, first_seen).
        self._pending: dict[str, tuple[str, int, str]] = {}
        self._pending_data: dict[str, dict[str, Any]] = {}
        self._labels: dict[tuple, int] = {}  # labels.id by label (storage/rows.py), as committed
        self._closed = False
        self._migrate()

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Bring the archive to this code's schema (storage/migrations.py); cheap when it is."""
        migrate(self.db)

    def report_id(self, url: str) -> str:
        """The id of the report at `url` (its canonical URL, this archive's host aliases)."""
        return report_id_for(url, self.aliases)

    def rekey(self, portal: Optional[str] = None) -> int:
        """Move reports (of `portal`) archived under an alias host to their canonical ids
        (storage/rekey.py); how many moved."""
        self.flush()
        with self.db.atomic():
            return rekey_reports(self.db, self.aliases, portal, reason="registry hosts")

    # -- crawl runs (written at once: a run must be visible while it runs) -------------------
    def start_run(self, portal: str) -> int:
        # A run still "running" when the next one starts (one writer: the archive lock) was
        # killed before it could close: say so instead of leaving it running for ever.
        if self.db["crawl_runs"].exists():
            with self.db.conn:
                self.db.execute("update crawl_runs set status = 'interrupted' where portal = ? and status = 'running'",
                                [portal])
        table = self.db.table("crawl_runs").insert(
            {"portal": portal, "started_at": utc_now(), "status": "running",
             "pages": 0, "reports_new": 0, "reports_changed": 0, "errors": 0}
        )
        return int(table.last_pk)

    def finish_run(self, run_id: int, *, status: str, pages: int, reports_new: int,
                   reports_changed: int, errors: int, health: Optional[dict[str, Any]] = None,
                   columns: Optional[list[dict[str, Any]]] = None) -> None:
        """Close the run; `columns`: its crawl_columns rows (what each column's lists showed)."""
        self.flush()
        if columns:
            with self.db.atomic():
                self.db["crawl_columns"].upsert_all([{"run_id": run_id, **row} for row in columns],
                                                    pk=("run_id", "column_url"))
        finished = utc_now()
        started = self.db.execute("select started_at from crawl_runs where id = ?", [run_id]).fetchone()
        duration = None
        if started and started[0]:
            duration = (dt.datetime.fromisoformat(finished.replace("Z", "+00:00"))
                        - dt.datetime.fromisoformat(started[0].replace("Z", "+00:00"))).total_seconds()
        self.db.table("crawl_runs").update(
            run_id,
            {"finished_at": finished, "status": status, "pages": pages, "duration_s": duration,
             "reports_new": reports_new, "reports_changed": reports_changed, "errors": errors,
             **(health or {})},
        )

    def column_state(self, run_id: int, portal: str, column_url: str, listed_urls: set[str],
                     only_column: bool = True) -> tuple[int, Optional[int], int, int]:
        """(reports of the column among `listed_urls`; reports the column's previous complete,
        healthy walk listed, None without one; reports of the column not listed and not removed
        yet; reports of the column not removed).

        An archive from before crawl_columns has no column baseline: a portal's only column
        takes its last healthy run's (`only_column`); a column of several waits for its own."""
        self.flush()
        listed = {self.report_id(u) for u in listed_urls}
        column = self.db.execute("select id, removed_at from reports where column_url = ?", [column_url]).fetchall()
        present = [r for r, removed_at in column if removed_at is None]
        previous = self.db.execute(
            "select c.reports_listed from crawl_columns c join crawl_runs r on r.id = c.run_id "
            "where c.column_url = ? and c.run_id < ? and r.status = 'finished' and c.health = 'ok' "
            "and c.reports_listed is not null order by c.run_id desc limit 1", [column_url, run_id]).fetchone()
        if previous is None and only_column:
            previous = self.db.execute(
                "select reports_listed from crawl_runs r where portal = ? and id < ? and status = 'finished' "
                "and health = 'ok' and reports_listed is not null "
                "and not exists (select 1 from crawl_columns c where c.run_id = r.id) order by id desc limit 1",
                [portal, run_id]).fetchone()
        return (sum(1 for r, _ in column if r in listed), previous[0] if previous else None,
                sum(1 for r in present if r not in listed), len(present))

    # -- buffered writes ------------------------------------------------------------------
    def record_fetch(self, *, url: str, status: Optional[int], content_type: Optional[str],
                     body: Optional[bytes], error: Optional[str] = None,
                     fetched_at: Optional[str] = None, etag: Optional[str] = None,
                     last_modified: Optional[str] = None, warc_file: Optional[str] = None,
                     warc_offset: Optional[int] = None) -> None:
        """One row per distinct response (url, status, sha256, error); repeats bump times_seen."""
        sha = hashlib.sha256(body).hexdigest() if body is not None else None
        key = canonical_json([url, status, sha, error])
        row = {
            "id": hashlib.sha256(key.encode("utf-8")).hexdigest()[:24],
            "url": url, "status": status, "content_type": content_type, "sha256": sha,
            "error": error, "size": len(body) if body is not None else None,
            "fetched_at": normalise_timestamp(fetched_at), "etag": etag,
            "last_modified": last_modified, "warc_file": warc_file, "warc_offset": warc_offset,
        }
        self._add("fetch", row)

    def save_report(self, *, url: str, portal: str, extraction: Union[Extraction, PreparedReport],
                    fetched_at: Optional[str] = None, capture: Optional[dict[str, Any]] = None,
                    column_url: Optional[str] = None, region: Optional[dict[str, Any]] = None) -> str:
        """Buffer one report; say whether it is 'new', 'changed' or 'unchanged'.

        `capture` = {"file", "offset"} of the WARC response record it came from.
        `extraction` may come prepared (storage/rows.py: the crawl's extraction process makes
        the rows); otherwise it is prepared here, converted to plain data once."""
        seen = normalise_timestamp(fetched_at)
        report_id = self.report_id(url)
        prepared = prepare(extraction)
        digest = prepared.digest
        known = self._pending.get(report_id) or self._stored_state(report_id)
        if known is not None and known[0] == digest:
            region = region or {}
            fill = {"url": url, "column_url": column_url, **{k: region.get(k) for k in REGION_KEYS}}
            self._add("seen", (report_id, known[1], seen, {k: v for k, v in fill.items() if v is not None}))
            self._add("update", (report_id, {"extractor_version": EXTRACTOR_VERSION}))
            return "unchanged"
        previous = self._previous_data(report_id, known[1]) if known is not None else None
        version = 1 if known is None else known[1] + 1
        first_seen = seen if known is None else known[2]
        self._pending[report_id] = (digest, version, first_seen)
        rows = self._report_rows(report_id, url, portal, prepared, version, first_seen, seen)
        capture = capture or {}
        rows["report"].update({"warc_file": capture.get("file"), "warc_offset": capture.get("offset"),
                               "captured_at": seen if capture else None, "column_url": column_url,
                               "removed_at": None})
        region = region or {}
        rows["report"].update({key: region.get(key) for key in REGION_KEYS})
        rows["changes"] = changes_between(report_id, version, previous, prepared.data()) if previous else []
        rows["previous"] = (known[1], previous) if previous else None
        self._pending_data[report_id] = prepared
        self._add("report", rows)
        return "new" if known is None else "changed"

    def _previous_data(self, report_id: str, version: int) -> Optional[dict[str, Any]]:
        if report_id in self._pending_data:
            return self._pending_data[report_id].data()
        row = self.db.execute("select data_json from report_versions where report_id = ? and version = ?",
                              [report_id, version]).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def record_attachment(self, *, url: str, parent_url: Optional[str], filename: Optional[str],
                          content_type: Optional[str], data: bytes, fetched_at: Optional[str] = None,
                          used_for_report: bool = False, error: Optional[str] = None) -> str:
        """Store the file under its sha256 name and buffer its row; returns the sha256."""
        digest, relative = store_file(attachments_dir_for(self.path), data, url)
        self._add("attachment", {
            "id": hashlib.sha256(f"{url}\n{digest}".encode("utf-8")).hexdigest()[:24],
            "url": url, "parent_url": parent_url,
            "report_id": self.report_id(parent_url) if parent_url else None,
            "filename": filename, "content_type": content_type, "size": len(data), "sha256": digest,
            "stored_as": relative, "fetched_at": normalise_timestamp(fetched_at),
            "used_for_report": int(used_for_report), "error": error,
        })
        return digest

    def touch_report(self, url: str, seen_at: Optional[str] = None,
                     column_url: Optional[str] = None, region: Optional[dict[str, Any]] = None) -> bool:
        """A listed report not fetched again (fresh or 304): seen now, not removed. Its column
        and region fill what an archive from before those columns left empty (so the report is
        checked for removal like the others)."""
        report_id = self.report_id(url)
        known = self._pending.get(report_id) or self._stored_state(report_id)
        if known is None:
            return False
        fill = {"url": url, "column_url": column_url, **{k: (region or {}).get(k) for k in REGION_KEYS}}
        self._add("seen", (report_id, known[1], normalise_timestamp(seen_at),
                           {k: v for k, v in fill.items() if v is not None}))
        return True

    def stale_reports(self) -> set[str]:
        """Ids of reports stored by an older extractor (pipelines/version.py)."""
        self.flush()
        return {r[0] for r in self.db.execute(
            "select id from reports where coalesce(extractor_version, 0) < ?", [EXTRACTOR_VERSION])}

    def reextracted(self, report_id: str, extraction: Extraction, *,
                    overwrite: Optional[dict[str, Any]] = None,
                    fill: Optional[dict[str, Any]] = None) -> str:
        """Store what this code extracts from a stored report's capture: 'changed' (a new
        version, with its report_changes) or 'unchanged'. Either way the report records this
        extractor's version; `overwrite` (column → value) is set, `fill` sets columns still
        empty. When and where it was seen stay as they were: no page was fetched."""
        if report_id in self._pending:
            self.flush()
        row = self.db.execute(
            "select content_sha256, version, first_seen, last_seen, url, portal, warc_file, warc_offset, "
            "captured_at, column_url, removed_at, province, city, level, region_code from reports where id = ?",
            [report_id]).fetchone()
        if row is None:
            raise KeyError(report_id)
        stored = dict(zip(("content_sha256", "version", "first_seen", "last_seen", "url", "portal", "warc_file",
                           "warc_offset", "captured_at", "column_url", "removed_at", "province", "city",
                           "level", "region_code"), row))
        kept = {k: stored[k] for k in ("warc_file", "warc_offset", "captured_at", "column_url", "removed_at",
                                       *REGION_KEYS)}
        kept.update({k: v for k, v in (fill or {}).items() if kept.get(k) is None})
        kept.update(overwrite or {})
        prepared = prepare(extraction)
        digest = prepared.digest
        if digest == stored["content_sha256"]:
            self._add("update", (report_id, {**kept, "extractor_version": EXTRACTOR_VERSION,
                                             "confidence": extraction.confidence}))
            return "unchanged"
        version = int(stored["version"] or 1)
        previous = self._previous_data(report_id, version)
        seen = stored["last_seen"] or utc_now()
        rows = self._report_rows(report_id, stored["url"], stored["portal"], prepared, version + 1,
                                 stored["first_seen"] or seen, seen)
        rows["report"].update(kept)
        rows["version"]["first_seen"] = stored["captured_at"] or seen
        rows["changes"] = changes_between(report_id, version + 1, previous, prepared.data()) if previous else []
        rows["previous"] = (version, previous) if previous else None
        self._pending[report_id] = (digest, version + 1, stored["first_seen"] or seen)
        self._pending_data[report_id] = prepared
        self._add("report", rows)
        return "changed"

    def mark_removed(self, column_url: str, listed_urls: set[str], when: Optional[str] = None) -> int:
        """Reports of this column missing from its lists: removed_at = first missed (kept, never
        deleted); listed ones get removed_at cleared. Returns how many are newly removed."""
        self.flush()
        listed = {self.report_id(u) for u in listed_urls}
        when = normalise_timestamp(when)
        newly = 0
        with self.db.atomic():
            rows = self.db.execute("select id, removed_at from reports where column_url = ?",
                                   [column_url]).fetchall()
            for report_id, removed_at in rows:
                if report_id in listed and removed_at is not None:
                    self.db.execute("update reports set removed_at = null where id = ?", [report_id])
                elif report_id not in listed and removed_at is None:
                    self.db.execute("update reports set removed_at = ? where id = ?", [when, report_id])
                    newly += 1
            removed = sum(1 for report_id, _ in rows if report_id not in listed)
            self.db["column_walks"].upsert({"column_url": column_url, "last_complete_walk_at": when,
                                            "listed": len(listed), "removed": removed},
                                           pk="column_url")
        return newly

    def _stored_state(self, report_id: str) -> Optional[tuple[str, int, str]]:
        row = self.db.execute(
            "select content_sha256, version, first_seen from reports where id = ?", [report_id]
        ).fetchone()
        return (row[0], int(row[1] or 1), row[2]) if row else None

    def _report_rows(self, report_id: str, url: str, portal: str, prepared: PreparedReport,
                     version: int, first_seen: str, seen: str) -> dict[str, Any]:
        """The rows of one report: its prepared rows (storage/rows.py) with what this archive
        adds (id, address, version, when seen)."""
        report = {"id": report_id, "url": url, "portal": portal, **prepared.report,
                  "first_seen": first_seen, "last_seen": seen, "version": version,
                  "extractor_version": EXTRACTOR_VERSION}
        # The current version's data is what reports, cells and checks hold (the report_versions
        # view rebuilds it); its JSON is kept only where that would not give the same content.
        data_zlib, data_size = prepared.version_zlib or (None, None)
        version_row = {
            "report_id": report_id, "version": version, "content_sha256": prepared.digest, "url": url,
            "first_seen": seen, "last_seen": seen, "data_zlib": data_zlib, "data_size": data_size,
        }
        return {"report": report, "cells": prepared.cells, "checks": [(report_id, *c) for c in prepared.checks],
                "version": version_row}

    def _add(self, kind: str, payload: Any) -> None:
        if self._closed:
            raise RuntimeError("archive is closed")
        self._ops.append((kind, payload))
        if len(self._ops) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered in one transaction."""
        if not self._ops:
            return
        ops = self._ops   # dropped only once written: a failed write is tried again, not lost
        try:
            self._write(ops)
        except BaseException:
            self._labels.clear()  # ids added by the failed transaction are gone
            raise
        self._ops = []
        self._pending.clear()
        self._pending_data.clear()

    def _write(self, ops: list[tuple[str, Any]]) -> None:
        with self.db.atomic():
            for kind, payload in ops:
                if kind == "fetch":
                    self._write_fetch(payload)
                elif kind == "report":
                    self._write_report(payload)
                elif kind == "attachment":
                    self.db.table("attachments").upsert(payload, pk="id")
                elif kind == "update":
                    report_id, values = payload
                    assignments = ", ".join(f"[{k}] = ?" for k in values)
                    self.db.execute(f"update reports set {assignments} where id = ?", [*values.values(), report_id])
                else:
                    self._write_seen(*payload)

    def _write_fetch(self, row: dict[str, Any]) -> None:
        self.db.execute(
            """insert into fetches (id, url, status, content_type, sha256, error, size,
                   fetched_at, last_fetched_at, times_seen, etag, last_modified,
                   warc_file, warc_offset)
               values (:id, :url, :status, :content_type, :sha256, :error, :size,
                   :fetched_at, :fetched_at, 1, :etag, :last_modified, :warc_file, :warc_offset)
               on conflict(id) do update set
                   times_seen = coalesce(times_seen, 1) + 1,
                   etag = coalesce(excluded.etag, etag),
                   last_modified = coalesce(excluded.last_modified, last_modified),
                   fetched_at = min(fetched_at, excluded.fetched_at),
                   last_fetched_at = max(coalesce(last_fetched_at, ''), excluded.fetched_at)""",
            row,
        )

    def _write_report(self, rows: dict[str, Any]) -> None:
        report, conn = rows["report"], self.db.conn
        conn.execute(_upsert_sql("reports", tuple(report), "id"), report)
        conn.execute("delete from cell_values where report_id = ?", [report["id"]])
        conn.execute("delete from checks where report_id = ?", [report["id"]])
        report_id, label_id = report["id"], self._label_id
        conn.executemany(_INSERT_CELL, [(report_id, seq, label_id(label), unit, value, raw, duplicate)
                                        for seq, (label, unit, value, raw, duplicate) in enumerate(rows["cells"])])
        conn.executemany(_INSERT_CHECK, rows["checks"])
        if rows.get("previous"):  # the version it replaces becomes an earlier one: its JSON kept
            number, previous = rows["previous"]
            conn.execute(_KEEP_VERSION, [*pack(dumps(previous)), report["id"], number])
        conn.execute(_INSERT_VERSION, rows["version"])
        if rows.get("changes"):
            conn.executemany(_INSERT_CHANGE, rows["changes"])

    def _label_id(self, label: tuple) -> int:
        """labels.id of (table, row path, column path, row label, column label), added if new."""
        label_id = self._labels.get(label)  # (row and column label follow from the paths)
        if label_id is None:
            conn = self.db.conn
            row = conn.execute("select id from labels where table_name = ? and row_path = ? and column_path = ?",
                               label[:3]).fetchone()
            if row is None:
                label_id = conn.execute("insert into labels (table_name, row_path, column_path, row_label, "
                                        "column_label) values (?, ?, ?, ?, ?)", label).lastrowid
            else:
                label_id = row[0]
            self._labels[label] = label_id
        return label_id

    def _write_seen(self, report_id: str, version: int, seen: str, fill: Optional[dict[str, Any]] = None) -> None:
        fill = fill or {}
        # The address and column it is listed under now (a portal that moved: the new ones),
        # the region where it has none (an archive from before those columns).
        names = [k for k in ("url", "column_url", *REGION_KEYS) if k in fill]
        filled = "".join(f", [{k}] = ?" if k in ("url", "column_url") else f", [{k}] = coalesce([{k}], ?)"
                         for k in names)
        self.db.execute(
            f"update reports set last_seen = max(coalesce(last_seen, ''), ?){filled} where id = ?",
            [seen, *(fill[k] for k in names), report_id],
        )
        self.db.execute(
            "update version_store set last_seen = max(coalesce(last_seen, ''), ?)"
            " where report_id = ? and version = ?",
            [seen, report_id, version],
        )

    # -- inspection and lifetime ----------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Rows per archive table after flushing what is buffered (FTS tables left out)."""
        self.flush()
        return {name: self.db.execute(f"select count(*) from [{name}]").fetchone()[0] for name in TABLES}

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

