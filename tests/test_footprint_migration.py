"""Migrations 4 and 5 (issue #17): an archive written with the earlier layout (tests/fixtures/
archive_v3.db.gz) is converted in place to labels / cell_values / version_store behind the
cells and report_versions views, its stored versions then compressed, and it reads back the
same: every report, cell and version."""
from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from storage import footprint
from storage import versions as version_store
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
    version_store.register(conn)  # earlier versions are compressed (storage/versions.py)
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
    conn = sqlite3.connect(db)
    version_store.register(conn)
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
                            "and r.version = v.version where v.data_zlib is not null").fetchone()[0]
        assert kept == 3
        # migration 5: every stored version compressed, none left as text, at a fraction of its size
        assert conn.execute("select count(*) from version_store where data_json is not null").fetchone()[0] == 0
        stored, size, count = conn.execute("select sum(length(data_zlib)), sum(data_size), count(*) from version_store "
                                           "where data_zlib is not null").fetchone()
        assert count == 6 + 3 and stored < size / 3
    finally:
        conn.close()


def _upgrade_stopped_after_first_chunk(db: Path, marker: str) -> None:
    """Run the upgrade and kill it (KeyboardInterrupt) once its progress says `marker`: between
    two committed chunks of a migration."""
    def stop(line: str) -> None:
        if marker in line:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upgrade(db, progress=stop)


def test_migration_4_resumes_after_being_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _copy(tmp_path)
    before = _state(db)
    monkeypatch.setattr(footprint, "CHUNK", 3)
    _upgrade_stopped_after_first_chunk(db, "converted")
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
    added = {p.name for p in after.glob("*.csv")} - set(files)
    assert set(files) <= {p.name for p in after.glob("*.csv")}
    # tables this code adds to an older archive (crawl_columns …) are exported empty: a header
    assert all(len((after / name).read_bytes().splitlines()) == 1 for name in added), added
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


def _stop_at(step: int):
    def progress(line: str) -> None:
        if line.startswith(f"xxgk: upgrading the archive: {step}."):
            raise KeyboardInterrupt  # killed before that step began
    return progress


def test_migration_5_compresses_a_version_4_archive_in_place(tmp_path: Path) -> None:
    db = _copy(tmp_path)
    before = _state(db)
    with pytest.raises(KeyboardInterrupt):
        upgrade(db, progress=_stop_at(5))
    conn = sqlite3.connect(db)  # an archive as migration 4 left it: versions as JSON text
    try:
        assert conn.execute("pragma user_version").fetchone()[0] == 4
        assert conn.execute("select count(*) from version_store where data_json is not null").fetchone()[0] == 9
        assert conn.execute("select count(*) from version_store where data_zlib is not null").fetchone()[0] == 0
    finally:
        conn.close()
    lines: list[str] = []
    assert upgrade(db, progress=lines.append) == [5]
    assert any("9 / 9 stored versions compressed and verified" in line for line in lines), lines
    _assert_same(before, _state(db))


def test_migration_5_resumes_after_being_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _copy(tmp_path)
    before = _state(db)
    monkeypatch.setattr(version_store, "CHUNK", 4)
    _upgrade_stopped_after_first_chunk(db, "compressed and verified")
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("pragma user_version").fetchone()[0] == 4  # not done: runs again
        text, packed = conn.execute("select count(data_json), count(data_zlib) from version_store").fetchone()
        assert (text, packed) == (5, 4)
    finally:
        conn.close()
    _assert_same(before, _state(db))  # half-way, the view answers for both kinds of row
    assert upgrade(db) == [5]
    _assert_same(before, _state(db))


def test_a_changed_report_compresses_the_version_it_replaces(tmp_path: Path) -> None:
    """The archive writer keeps an earlier version compressed, not as text."""
    from storage.archive import Archive

    db = _copy(tmp_path)
    upgrade(db)
    conn = sqlite3.connect(db)
    version_store.register(conn)
    report_id, version, url, data = conn.execute(
        "select r.id, r.version, r.url, v.data_json from reports r join report_versions v on v.report_id = r.id "
        "and v.version = r.version where r.is_report = 1 order by r.id limit 1").fetchone()
    conn.close()
    from pipelines.report import extract_bytes

    changed = json.loads(data)
    text = "\n".join([changed["title"] or "", changed["body_text"] or "", "本年度新增一段说明。"])
    extraction = extract_bytes(text.encode("utf-8"), url, "text/plain; charset=utf-8")
    with Archive(db) as archive:
        assert archive.save_report(url=url, portal="fixture", extraction=extraction) == "changed"
    conn = sqlite3.connect(db)
    version_store.register(conn)
    try:
        row = conn.execute("select data_json, data_zlib, data_size from version_store where report_id = ? "
                           "and version = ?", [report_id, version]).fetchone()
        assert row[0] is None and row[1] is not None and len(row[1]) < row[2]
        back = conn.execute("select data_json from report_versions where report_id = ? and version = ?",
                            [report_id, version]).fetchone()[0]
        assert content_hash_of(json.loads(back)) == content_hash_of(json.loads(data))
    finally:
        conn.close()


def test_the_sqlite3_shell_reads_compressed_versions(tmp_path: Path) -> None:
    """report_versions calls sqlar_uncompress, which SQLite's own shell has built in: the view
    reads there as in xxgk, with no function of ours."""
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 shell is not installed (make system-deps)")
    db = _copy(tmp_path)
    upgrade(db)
    conn = sqlite3.connect(db)
    version_store.register(conn)
    try:
        expected = conn.execute("select report_id, version, data_json from report_versions v where exists ("
                                "select 1 from version_store s where s.report_id = v.report_id and "
                                "s.version = v.version and s.data_zlib is not null) order by 1, 2").fetchall()
    finally:
        conn.close()
    assert len(expected) == 9
    out = subprocess.run([shell, "-json", str(db), "select report_id, version, data_json from report_versions v "
                          "where exists (select 1 from version_store s where s.report_id = v.report_id and "
                          "s.version = v.version and s.data_zlib is not null) order by 1, 2"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert [(r["report_id"], r["version"], r["data_json"]) for r in json.loads(out)] == expected
