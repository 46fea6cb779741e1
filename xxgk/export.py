"""`xxgk export`: a CSV snapshot of the archive (../shared/contracts/archive.md, last paragraph).

All tables are read inside one read transaction on one connection, so a crawler writing at the
same time (WAL mode) cannot tear the snapshot; rows are streamed, never held whole in memory.
CSV files are UTF-8 with a BOM so Excel opens Chinese correctly. manifest.json is written
last: a folder without one is an interrupted export.

Crawled text is written by strangers, and Excel runs a cell that starts with = + - @ (or a
tab or carriage return before one) as a formula: `=HYPERLINK(…)`, `-2+3+cmd|…`. Such text
cells are written with a leading `'`, which spreadsheet tools read as "this is text"
(`neutralise`). Numbers stay numbers: integer and real columns are never touched, nor is text
that is a plain signed number (-1, +2, -1.5, -1,234) or only dashes (-, --), which Excel
reads as a number or as text, never as a formula. `raw=True` (`xxgk export --raw`) writes
every value as stored.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import pathlib
import re
import sqlite3
from itertools import islice
from json.encoder import encode_basestring
from typing import Any, Callable, Iterator, Sequence

from storage.schema import STORAGE_TABLES, TABLES, VIEWS
from storage.versions import register, unpack

# The views, read as the tables they replaced (before migration 4) were exported: in the order
# the earlier writer inserted their rows, which was rowid order. A report's versions were
# inserted one by one (version_store keeps those rowids: migration 4 copies them), and its cells
# were rewritten together with each new version: so cells come in the order of their report's
# current version row, then by position (the cross joins keep that loop order: no sort). The
# rows are assembled here rather than by the views' joins: labels are read once into a dict
# (and made spreadsheet-safe once), and the current version's JSON is built in Python from its
# rows and written as the earlier writer stored it (", " / ": " separators, `_SPACED`), the same
# text the view gives re-spaced; an earlier version's is its stored JSON, inflated.
CELL_VALUES_IN_ORDER = """select s.report_id, v.seq, v.label_id, v.unit, v.value, v.raw
from version_store s cross join reports r cross join cell_values v
where r.id = s.report_id and r.version = s.version and v.report_id = s.report_id
  and v.duplicate is null order by s.rowid, v.seq"""
# Cells whose report has no row for its current version (none that the archive writes): after
# the others, in key order, so that an export never leaves a cell out.
CELLS_LEFT_OVER = """select * from cells where report_id in (select report_id from cell_values except
  select s.report_id from version_store s join reports r on r.id = s.report_id and r.version = s.version)
order by report_id, seq"""
VERSIONS_IN_ORDER = """select s.report_id, s.version, s.content_sha256, s.url, s.first_seen, s.last_seen,
  s.data_json, s.data_zlib, s.data_size, r.id, r.url, r.is_report, r.title, r.index_no, r.index_no_parts_json,
  r.agency, r.publisher, r.written_date, r.published_date, r.signed_date, r.report_year, r.template,
  r.metadata_json, r.indicators_json, r.confidence, r.errors_json, r.body_text
from version_store s left join reports r on r.id = s.report_id order by s.rowid"""
_SPACED = json.JSONEncoder(ensure_ascii=False)  # how the archive writer stores JSON (storage.archive._dumps)
_LOADS = json.JSONDecoder().decode


def _labels(conn: sqlite3.Connection) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in conn.execute(
        "select id, table_name, row_path, column_path, row_label, column_label from labels")}


def _cell_rows(conn: sqlite3.Connection, convert: Callable[[Any], Any]) -> Iterator[Sequence[Any]]:
    """The cells view's rows, in export order (see above)."""
    labels = {key: tuple(convert(v) for v in label) for key, label in _labels(conn).items()}
    cell = convert
    last_id, safe_id = None, None
    for report_id, seq, label_id, unit, value, raw in conn.execute(CELL_VALUES_IN_ORDER):
        if report_id != last_id:
            last_id, safe_id = report_id, convert(report_id)
        yield (safe_id, *labels[label_id], cell(unit),
               value if value is None or type(value) is int else cell(value), cell(raw), seq)
    for row in conn.execute(CELLS_LEFT_OVER):
        yield [convert(v) for v in row]


def _json_value(value: Any) -> str:
    """One scalar as _SPACED writes it."""
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is str:
        return encode_basestring(value)
    return _SPACED.encode(value)


class _CurrentJson:
    """The current version's extraction as the report_versions view rebuilds it (schema.py:
    CURRENT_VERSION_JSON), written spaced: the same keys, order and values. Its cells, most of
    the text, are spliced from each label's fragment (made once) and their values' JSON."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.labels = {key: _SPACED.encode({"table": table, "row": _LOADS(row_path), "column": _LOADS(column_path),
                                            "unit": None})[:-len("null}")]
                       for key, (table, row_path, column_path, *_rest) in _labels(conn).items()}
        self.units: dict[Any, str] = {}

    def __call__(self, row: Sequence[Any]) -> str:
        (report_id, url, is_report, title, index_no, parts, agency, publisher, written, published, signed,
         year, template, metadata, indicators, confidence, errors, body) = row
        labels, units, value_json = self.labels, self.units, _json_value
        cells = []
        for label_id, unit, value, raw in self.conn.execute(
                "select label_id, unit, value, raw from cell_values where report_id = ? order by seq", [report_id]):
            unit_json = units.get(unit)
            if unit_json is None:
                unit_json = units[unit] = _json_value(unit) + ', "value": '
            cells.append(f'{labels[label_id]}{unit_json}{value_json(value)}, "raw": {value_json(raw)}}}')
        checks = []
        for check, expected, found, detail, kind in self.conn.execute(
                'select "check", expected, found, detail, kind from checks where report_id = ? order by seq',
                [report_id]):
            where = _LOADS(detail).get("where") if detail is not None else None
            checks.append({"check": check, "expected": expected, "found": found,
                           "where": {} if where is None else where, "kind": kind})
        head = _SPACED.encode({
            "source": url, "is_report": bool(is_report), "title": title, "index_no": index_no,
            "index_no_parts": None if parts is None else _LOADS(parts), "agency": agency, "publisher": publisher,
            "written_date": written, "published_date": published, "signed_date": signed, "report_year": year,
            "template": template, "metadata": _LOADS(metadata) if metadata is not None else {}})
        tail = _SPACED.encode({
            "indicators": _LOADS(indicators) if indicators is not None else {}, "checks": checks,
            "confidence": confidence, "errors": _LOADS(errors) if errors is not None else [], "body_text": body})
        return f'{head[:-1]}, "cells": [{", ".join(cells)}], {tail[1:]}'


def _version_rows(conn: sqlite3.Connection, convert: Callable[[Any], Any]) -> Iterator[Sequence[Any]]:
    """The report_versions view's rows, in export order, its data_json as stored (see above)."""
    current_json = _CurrentJson(conn)
    for row in conn.execute(VERSIONS_IN_ORDER):
        data_json, data_zlib, data_size = row[6:9]
        if data_json is None and data_zlib is not None:
            data_json = unpack(data_zlib, data_size).decode("utf-8")
        elif data_json is None and row[9] is not None:
            data_json = current_json(row[9:])
        yield [convert(v) for v in (*row[:6], data_json)]


VIEW_ROWS: dict[str, Callable[[sqlite3.Connection, Callable[[Any], Any]], Iterator[Sequence[Any]]]] = {
    "cells": _cell_rows, "report_versions": _version_rows}

FTS_SHADOW_SUFFIXES = ("_data", "_idx", "_docsize", "_config", "_content")


def _snapshot_tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, create sql) of the tables to export: no sqlite_*, FTS or FTS shadow tables. The
    views of the archive's schema (cells, report_versions) are exported as the tables they were
    before migration 4; the compact storage behind them (labels, cell_values, version_store) is not."""
    rows = conn.execute(
        "select name, sql from sqlite_master where type = 'table' or (type = 'view' and name in "
        f"({', '.join('?' for _ in VIEWS)})) order by rowid", list(VIEWS)
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    shadow = {v + suffix for v in virtual for suffix in FTS_SHADOW_SUFFIXES}
    return [(name, sql) for name, sql in rows
            if not name.startswith("sqlite_") and name not in virtual and name not in shadow
            and name not in STORAGE_TABLES]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|-+")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, prefixed with `'` (see the module docstring)."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    """BLOBs as hex: CSV is text."""
    return value.hex() if isinstance(value, bytes) else value


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    return value.hex() if isinstance(value, bytes) else value


def _file_sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _target_folder(out_dir: pathlib.Path, now: dt.datetime, dated: bool) -> pathlib.Path:
    if not dated:
        return out_dir
    base = out_dir / now.strftime("%Y-%m-%dT%H%M%SZ")
    folder, n = base, 1
    while folder.exists():  # two exports in one second: never overwrite the first
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def export_archive(db: str | os.PathLike, out_dir: str | os.PathLike, *,
                   dated_subfolder: bool = True, raw: bool = False) -> pathlib.Path:
    """Write one CSV per table and manifest.json; return the folder written.

    With `dated_subfolder` the folder is out_dir/YYYY-MM-DDTHHMMSSZ (UTC), else out_dir itself.
    Text that a spreadsheet would run as a formula gets a leading `'` unless `raw`.
    """
    convert = _cell if raw else _safe_cell
    db_path = pathlib.Path(db)
    if not db_path.is_file():
        raise FileNotFoundError(f"no archive at {db_path}")
    now = dt.datetime.now(dt.timezone.utc)
    folder = _target_folder(pathlib.Path(out_dir), now, dated_subfolder)
    folder.mkdir(parents=True, exist_ok=True)

    conn = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True, isolation_level=None)
    register(conn)  # compressed versions (storage/versions.py), for the views
    tables: dict[str, Any] = {}
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("BEGIN")  # deferred: the snapshot starts at the first read below
        for name, create_sql in _snapshot_tables(conn):
            quoted = '"' + name.replace('"', '""') + '"'
            columns = [{"name": row[1], "type": row[2] or _view_column_type(name, row[1])}
                       for row in conn.execute(f"PRAGMA table_info({quoted})")]
            file_name = f"{name}.csv"
            path = folder / file_name
            rows = 0
            with open(path, "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c["name"] for c in columns])
                if name in VIEW_ROWS and _kind(conn, name) == "view":
                    for batch in _batches(VIEW_ROWS[name](conn, convert)):
                        writer.writerows(batch)
                        rows += len(batch)
                else:
                    order = " order by rowid" if _has_rowid(conn, quoted) else ""
                    cursor = conn.execute(f"select * from {quoted}{order}")
                    while True:
                        batch = cursor.fetchmany(1000)
                        if not batch:
                            break
                        writer.writerows([convert(v) for v in row] for row in batch)
                        rows += len(batch)
            tables[name] = {"rows": rows, "file": file_name, "sha256": _file_sha256(path),
                            "columns": columns, "sql": create_sql}
        conn.execute("COMMIT")
    finally:
        conn.close()

    manifest = {
        "exported_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": db_path.name,
        "encoding": "utf-8-sig",
        # text that spreadsheets would run as a formula starts with ' (xxgk export --raw: as stored)
        "formulas_neutralised": not raw,
        "tables": tables,
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def _batches(rows: Iterator[Sequence[Any]], size: int = 1000) -> Iterator[list[Sequence[Any]]]:
    while True:
        batch = list(islice(rows, size))
        if not batch:
            return
        yield batch


def _view_column_type(view: str, column: str) -> str:
    """A view's computed column has no declared type: the schema's (storage/schema.py)."""
    declared = TABLES[view].types().get(column) if view in TABLES else None
    return {str: "TEXT", int: "INTEGER", float: "REAL"}.get(declared, str(declared or ""))


def _kind(conn: sqlite3.Connection, name: str) -> Any:
    row = conn.execute("select type from sqlite_master where name = ?", [name]).fetchone()
    return row[0] if row else None


def _has_rowid(conn: sqlite3.Connection, quoted: str) -> bool:
    """WITHOUT ROWID tables have no rowid to order by."""
    try:
        conn.execute(f"select rowid from {quoted} limit 0")
        return True
    except sqlite3.OperationalError:
        return False
