"""Migration 4 (issue #17): an archive written with the earlier layout (tests/fixtures/
archive_v3.db.gz) is converted in place to labels / cell_values / version_store behind the
cells and report_versions views, and reads back the same: every report, cell and version."""
from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from storage import footprint
from storage.content import content_hash_of
from storage.migrations import SCHEMA_VERSION, upgrade

FIXTURE = Path(__file__).parent / "fixtures" / "archive_v3.db.gz"
CELL_COLUMNS = "report_id, table_name, row_path, column_path, row_label, column_label, unit, value, raw, seq"


def _copy(tmp_path: Path) -> Path:
    db = tmp_path / "archive.db"
    with gzip.open(FIXTURE, "rb") as src, open(db, "wb") as out:
        shutil.copyfileobj(src, out)
    return db


def _state(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        reports = conn.execute("select * from reports order by id").fetchall()
        cells = conn.execute(f"select {CELL_COLUMNS} from cells order by report_id, seq").fetchall()
        versions = {(r, v): (sha, url, first, last, data)
                    for r, v, sha, url, first, last, data in conn.execute(
                        "select report_id, version, content_sha256, url, first_seen, last_seen, data_json "
                        "from report_versions")}
        current = dict(conn.execute("select id, version from reports"))
    finally:
        conn.close()
    return {"reports": reports, "cells": cells, "versions": versions, "current": current}


def _assert_same(before: dict, after: dict) -> None:
    assert after["reports"] == before["reports"]
    assert after["cells"] == before["cells"]
    assert after["versions"].keys() == before["versions"].keys()
    for key, (sha, url, first, last, data) in before["versions"].items():
        a_sha, a_url, a_first, a_last, a_data = after["versions"][key]
        assert (a_sha, a_url, a_first, a_last) == (sha, url, first, last), key
        # the same content: what the report said in that version
        assert content_hash_of(json.loads(a_data)) == content_hash_of(json.loads(data)) == sha, key
        if before["current"].get(key[0]) != key[1]:
            assert a_data == data, key  # earlier versions: their JSON as stored


def test_fixture_is_the_earlier_layout(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    conn = sqlite3.connect(db)
    assert conn.execute("pragma user_version").fetchone()[0] == 3
    kinds = dict(conn.execute("select name, type from sqlite_master where name in ('cells', 'report_versions')"))
    assert kinds == {"cells": "table", "report_versions": "table"}
    assert conn.execute("select count(*) from reports").fetchone()[0] == 10
    assert conn.execute("select count(*) from report_versions where version > 1").fetchone()[0] == 6
    assert conn.execute("select sum(duplicate_cells) from reports").fetchone()[0] == 3
    conn.close()


def test_migration_4_converts_and_every_report_cell_and_version_reads_back(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    before = _state(db)
    lines: list[str] = []
    assert upgrade(db, progress=lines.append) == list(range(4, SCHEMA_VERSION + 1))
    assert any("versions converted and verified" in line for line in lines), lines
    _assert_same(before, _state(db))
    conn = sqlite3.connect(db)  # a plain client reads the views: no function of ours needed
    try:
        kinds = dict(conn.execute("select name, type from sqlite_master where name in "
                                  "('cells', 'report_versions', 'cells_v3', 'report_versions_v3')"))
        assert kinds == {"cells": "view", "report_versions": "view"}
        assert conn.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
        labels = conn.execute("select count(*) from labels").fetchone()[0]
        assert 0 < labels < len(before["cells"]) / 5  # label paths stored once, not per report
        # current versions are not stored a second time, except the ones the rows cannot rebuild
        # (the three reports whose repeated cell the old cells table had dropped)
        kept = conn.execute("select count(*) from version_store v join reports r on r.id = v.report_id "
                            "and r.version = v.version where v.data_json is not null").fetchone()[0]
        assert kept == 3
    finally:
        conn.close()


def test_migration_4_resumes_after_being_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _copy(tmp_path)
    before = _state(db)
    monkeypatch.setattr(footprint, "CHUNK", 3)
    stops = []

    def stop_after_first_chunk(line: str) -> None:
        if "converted" in line and not stops:
            stops.append(line)
            raise KeyboardInterrupt  # killed between two committed chunks

    with pytest.raises(KeyboardInterrupt):
        upgrade(db, progress=stop_after_first_chunk)
    conn = sqlite3.connect(db)
    assert conn.execute("pragma user_version").fetchone()[0] == 3  # not done: runs again
    assert 0 < conn.execute("select count(*) from cells_v3").fetchone()[0] < len(before["cells"])
    conn.close()
    assert upgrade(db) == list(range(4, SCHEMA_VERSION + 1))
    _assert_same(before, _state(db))


def test_export_after_migration_4_is_byte_identical_to_the_export_before(tmp_path: Path) -> None:
    """`xxgk export` of the converted archive writes the same bytes as it wrote for the earlier
    layout: cells and versions in the order the writer inserted them, each version's JSON as it
    was stored (the current one is rebuilt in SQL, compactly, and written spaced as before)."""
    from xxgk.export import export_archive

    db = _copy(tmp_path)
    before = export_archive(db, tmp_path / "before", dated_subfolder=False)
    upgrade(db)
    after = export_archive(db, tmp_path / "after", dated_subfolder=False)
    files = sorted(p.name for p in before.glob("*.csv"))
    assert files == sorted(p.name for p in after.glob("*.csv"))
    assert {"cells.csv", "report_versions.csv", "reports.csv"} <= set(files)
    # archive_info says which schema the archive has: that row changes, by design
    compared = [name for name in files if name != "archive_info.csv"]
    different = [name for name in compared if (before / name).read_bytes() != (after / name).read_bytes()]
    assert different == []
    # the fixture's versions are not in key order, so order matters here
    conn = sqlite3.connect(db)
    try:
        written = [r for (r,) in conn.execute("select report_id from version_store order by rowid")]
    finally:
        conn.close()
    assert written != sorted(written)
