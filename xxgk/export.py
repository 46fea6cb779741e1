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
from typing import Any

from storage.schema import CURRENT_VERSION_JSON, STORAGE_TABLES, TABLES, VIEWS
from storage.versions import register

# The views, read as the tables they replaced (before migration 4) were exported: in the order
# the earlier writer inserted their rows, which was rowid order. A report's versions were
# inserted one by one (version_store keeps those rowids: migration 4 copies them), and its cells
# were rewritten together with each new version: so cells come in the order of their report's
# current version row, then by position (the cross joins keep that loop order: no sort). The
# current version's JSON, rebuilt in SQL (compact), is written as the earlier writer stored it
# (`spaced_json`).
VIEW_EXPORT = {
    "cells": """select v.report_id, l.table_name, l.row_path, l.column_path, l.row_label, l.column_label,
  v.unit, v.value, v.raw, v.seq
from version_store s cross join reports r cross join cell_values v cross join labels l
where r.id = s.report_id and r.version = s.version and v.report_id = s.report_id and l.id = v.label_id
  and v.duplicate is null order by s.rowid, v.seq""",
    "report_versions": f"""select s.report_id, s.version, s.content_sha256, s.url, s.first_seen, s.last_seen,
  coalesce(s.data_json, cast(sqlar_uncompress(s.data_zlib, s.data_size) as text),
           spaced_json((select {CURRENT_VERSION_JSON} from reports r where r.id = s.report_id)))
from version_store s order by s.rowid""",
}
# Cells whose report has no row for its current version (none that the archive writes): after
# the others, in key order, so that an export never leaves a cell out.
CELLS_LEFT_OVER = """select * from cells where report_id in (select report_id from cell_values except
  select s.report_id from version_store s join reports r on r.id = s.report_id and r.version = s.version)
order by report_id, seq"""
_SPACED = json.JSONEncoder(ensure_ascii=False)  # how the archive writer stores JSON (storage.archive._dumps)


def spaced_json(text: Any) -> Any:
    """JSON text as the archive writer stores it (", " and ": " separators, keys in order)."""
    return _SPACED.encode(json.loads(text)) if isinstance(text, str) else text

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
    conn.create_function("spaced_json", 1, spaced_json, deterministic=True)
    register(conn)  # compressed versions (storage/versions.py)
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
                if name in VIEW_EXPORT and _kind(conn, name) == "view":
                    cursors = [conn.execute(VIEW_EXPORT[name])]
                    if name == "cells":
                        cursors.append(conn.execute(CELLS_LEFT_OVER))
                elif _has_rowid(conn, quoted):
                    cursors = [conn.execute(f"select * from {quoted} order by rowid")]
                else:
                    cursors = [conn.execute(f"select * from {quoted}")]
                for cursor in cursors:
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
