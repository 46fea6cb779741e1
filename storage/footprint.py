"""Migration 4 (issue #17): cells and versions in the compact layout, converted in place.

Before: `cells` kept its label paths as JSON text in every row, indexed twice; every version in
`report_versions` repeated the whole extraction, the current one included. After: `labels`
holds each label path once, `cell_values` (WITHOUT ROWID, keyed by report id and position) the
printed values, `version_store` each version with the JSON of earlier versions only; the views
`cells` and `report_versions` keep the old columns (storage/schema.py).

The step is resumable: the old tables are renamed `cells_v3` / `report_versions_v3` first and
emptied report by report in committed chunks, so a conversion stopped at any point carries on
where it was at the next open. Each version is verified as it is converted: the content hash of
what the new layout gives back must equal the hash of the stored JSON (a current version the
rows cannot rebuild exactly, e.g. one with a repeated cell the old table had dropped, is kept
kept as JSON instead, and checked again).
"""
from __future__ import annotations

import json
from typing import Callable

import sqlite_utils

from storage.content import content_hash_of
from storage.schema import VIEWS

CHUNK = 500  # reports per committed transaction


class ConversionMismatch(Exception):
    """A version reads back with other content than it was stored with: nothing more is done."""


def _kind(db: sqlite_utils.Database, name: str):
    row = db.execute("select type from sqlite_master where name = ?", [name]).fetchone()
    return row[0] if row else None


def convert(db: sqlite_utils.Database, progress: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Convert an archive of the earlier layout (a no-op on one already converted)."""
    conn = db.conn
    for old, kept in (("cells", "cells_v3"), ("report_versions", "report_versions_v3")):
        if _kind(db, old) == "table":
            with db.atomic():
                db.execute(f"ALTER TABLE [{old}] RENAME TO [{kept}]")
                db.execute(f"CREATE VIEW [{old}] AS {VIEWS[old]}")
    done = {"reports": 0, "cells": 0, "versions": 0, "kept_json": 0}
    if _kind(db, "cells_v3") == "table":
        total = conn.execute("select count(distinct report_id) from cells_v3").fetchone()[0]
        labels: dict[tuple, int] = {}
        while True:
            ids = [r for (r,) in conn.execute(f"select distinct report_id from cells_v3 limit {CHUNK}")]
            if not ids:
                break
            with db.atomic():
                for report_id in ids:
                    rows = conn.execute("select table_name, row_path, column_path, row_label, column_label, seq, "
                                        "unit, value, raw from cells_v3 where report_id = ? order by seq, rowid",
                                        [report_id]).fetchall()
                    values = []
                    for table, row_path, column_path, row_label, column_label, seq, unit, value, raw in rows:
                        key = (table or "", row_path, column_path)
                        label_id = labels.get(key)
                        if label_id is None:
                            found = conn.execute("select id from labels where table_name = ? and row_path = ? "
                                                 "and column_path = ?", key).fetchone()
                            label_id = found[0] if found else conn.execute(
                                "insert into labels (table_name, row_path, column_path, row_label, column_label) "
                                "values (?, ?, ?, ?, ?)", (*key, row_label, column_label)).lastrowid
                            labels[key] = label_id
                        values.append((report_id, seq, label_id, unit, value, raw))
                    conn.execute("delete from cell_values where report_id = ?", [report_id])
                    conn.executemany("insert into cell_values (report_id, seq, label_id, unit, value, raw) "
                                     "values (?, ?, ?, ?, ?, ?)", values)
                    conn.execute("delete from cells_v3 where report_id = ?", [report_id])
                    done["cells"] += len(values)
            done["reports"] += len(ids)
            progress(f"xxgk: cells of {done['reports']:,} / {total:,} reports converted")
        with db.atomic():
            db.execute("DROP TABLE cells_v3")
    if _kind(db, "report_versions_v3") == "table":
        total = conn.execute("select count(*) from report_versions_v3").fetchone()[0]
        while True:
            rows = conn.execute(
                "select v.rowid, v.report_id, v.version, v.content_sha256, v.url, v.first_seen, v.last_seen, "
                "v.data_json, r.version from report_versions_v3 v left join reports r on r.id = v.report_id "
                f"order by v.report_id, v.version limit {CHUNK}").fetchall()
            if not rows:
                break
            with db.atomic():
                for rowid, report_id, version, sha, url, first_seen, last_seen, data_json, current in rows:
                    before = content_hash_of(json.loads(data_json)) if data_json else None
                    # The current version: rebuilt from the rows; an earlier one (or one whose report
                    # is gone, merged by migration 3): its JSON kept.
                    stored = data_json if version != current else None
                    # under the same rowid: the order the versions (and cells) were written in, which
                    # exports keep (xxgk/export.py)
                    db.execute("insert or replace into version_store (rowid, report_id, version, content_sha256, "
                               "url, first_seen, last_seen, data_json) values (?, ?, ?, ?, ?, ?, ?, ?)",
                               [rowid, report_id, version, sha, url, first_seen, last_seen, stored])
                    after = _read_back(conn, report_id, version, content_hash_of)
                    if before is not None and after != before and stored is None:
                        # the rows do not rebuild this version exactly: keep its JSON as well
                        db.execute("update version_store set data_json = ? where report_id = ? "
                                   "and version = ?", [data_json, report_id, version])
                        done["kept_json"] += 1
                        after = _read_back(conn, report_id, version, content_hash_of)
                    if after != before:
                        raise ConversionMismatch(
                            f"version {version} of report {report_id} reads back with another content hash "
                            f"({after} instead of {before}): the archive is left as it was at that report")
                    db.execute("delete from report_versions_v3 where report_id = ? and version = ?",
                               [report_id, version])
                    done["versions"] += 1
            progress(f"xxgk: {done['versions']:,} / {total:,} versions converted and verified")
        with db.atomic():
            db.execute("DROP TABLE report_versions_v3")
    return done


def _read_back(conn, report_id: str, version: int, content_hash_of) -> object:
    row = conn.execute("select data_json from report_versions where report_id = ? and version = ?",
                       [report_id, version]).fetchone()
    return content_hash_of(json.loads(row[0])) if row and row[0] else None
