"""One schema (storage/schema.py) for the archive and datasette's metadata: every column of a
live archive, written by a real crawl, is in the schema with a Chinese and an English
description, and datasette is given exactly those descriptions."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from conftest import xxgk
from storage import versions
from storage.schema import STORAGE_TABLES, TABLES

EVERYTHING = {**STORAGE_TABLES, **TABLES}  # cells and report_versions are views over the storage tables
from xxgk.portal import build_demo_portal, serve_portal
from xxgk.serve import database_name, datasette_metadata

CJK = re.compile(r"[\u4e00-\u9fff]")
# Search indexes beside the tables (FTS5 virtual tables and their shadow tables).
INDEX_TABLE = re.compile(r"^(reports_fts|reports_grams)(_|$)")


@pytest.fixture(scope="module")
def live_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("schema") / "archive.db"
    portal = build_demo_portal(n_reports=6)
    with serve_portal(portal) as base:
        done = xxgk("crawl", "--url", base + portal.start_paths[0], "--db", str(db), "-q")
    assert done.returncode == 0, done.stderr
    return db


def live_columns(db: Path) -> dict[str, list[str]]:
    with sqlite3.connect(db) as conn:
        versions.register(conn)  # the report_versions view calls it
        names = [n for (n,) in conn.execute(
            "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' "
            "order by name")
            if not INDEX_TABLE.match(n)]
        return {n: [row[1] for row in conn.execute(f"pragma table_info([{n}])")] for n in names}


def test_every_schema_column_is_described_in_chinese_and_english():
    for table in EVERYTHING.values():
        assert CJK.search(table.zh) and re.search("[a-z]", table.en), table.name
        for column in table.columns:
            assert CJK.search(column.zh), (table.name, column.name)
            assert re.search("[a-z]", column.en, re.I), (table.name, column.name)
        assert len({c.name for c in table.columns}) == len(table.columns), table.name


def test_live_archive_is_the_schema(live_archive):
    live = live_columns(live_archive)
    assert set(live) == set(EVERYTHING)
    for name, columns in live.items():
        assert columns == [c.name for c in EVERYTHING[name].columns], name
    with sqlite3.connect(live_archive) as conn:
        assert conn.execute("select count(*) from reports").fetchone()[0] == 6  # a real crawl wrote it


def test_datasette_describes_every_live_column(live_archive):
    tables = datasette_metadata(database_name(live_archive))["databases"]["archive"]["tables"]
    for name, columns in live_columns(live_archive).items():
        described = tables[name]["columns"]
        assert set(described) == set(columns), name     # nothing undescribed, nothing stale
        for column in columns:
            zh, _, en = described[column].partition(" / ")
            assert CJK.search(zh) and en, (name, column, described[column])
        assert tables[name]["description"] == EVERYTHING[name].description
        assert tables[name].get("hidden", False) == (name in STORAGE_TABLES)  # journalists see the views
