"""Issue 15 finding 4: an archive written by the previous release works with every command.

The previous release's layout is kept here as a fixture (its columns, written literally): no
province/city/level/region_code, no removed_at/column_url, no WARC columns, no
report_changes or attachments tables, the short-word index with columnsize=0, user_version 1
and no record of the code that wrote it."""
from __future__ import annotations

import json
import sqlite3
import urllib.request

import pytest

from conftest import rows, xxgk
from servers import running_server
from storage.migrations import MIGRATIONS, SCHEMA_VERSION, code_version
from storage.search import GRAMS_FUNCTION, grams_text
from xxgk.portal import build_demo_portal, serve_portal

OLD_TABLES = {
    "reports": "id text primary key, url text, portal text, title text, index_no text, agency text, "
               "publisher text, written_date text, published_date text, signed_date text, report_year integer, "
               "template text, body_text text, content_sha256 text, first_seen text, last_seen text, "
               "version integer, proactive_disclosed, applications_received, applications_carried_over, "
               "applications_completed, carried_to_next_year, reconsideration_total, litigation_total, "
               "fees_collected, staff_count, cells_count integer, checks_count integer, "
               "index_no_parts_json text, indicators_json text, metadata_json text, errors_json text",
    "cells": "report_id text, table_name text, row_path text, column_path text, row_label text, "
             "column_label text, unit text, value, raw text, seq integer, "
             "primary key (report_id, table_name, row_path, column_path)",
    "checks": "report_id text, [check] text, expected, found, kind text, detail text, seq integer",
    "fetches": "id text primary key, url text, status integer, content_type text, sha256 text, error text, "
               "size integer, fetched_at text, last_fetched_at text, times_seen integer",
    "crawl_runs": "id integer primary key, portal text, started_at text, finished_at text, status text, "
                  "pages integer, reports_new integer, reports_changed integer, errors integer",
    "report_versions": "report_id text, version integer, content_sha256 text, url text, first_seen text, "
                       "last_seen text, data_json text, primary key (report_id, version)",
}


def previous_release_archive(path) -> None:
    conn = sqlite3.connect(path)
    conn.create_function(GRAMS_FUNCTION, 4, grams_text)
    for name, cols in OLD_TABLES.items():
        conn.execute(f"create table [{name}] ({cols})")
    conn.execute("create virtual table reports_fts using fts5(title, agency, body_text, content=[reports], "
                 "tokenize='trigram')")
    conn.execute("create virtual table reports_grams using fts5(grams, content='', detail=none, "
                 "columnsize=0, tokenize='ascii')")
    conn.execute("insert into reports (id, url, portal, title, agency, report_year, template, body_text, "
                 "content_sha256, first_seen, last_seen, version, applications_received, cells_count, "
                 "checks_count) values ('0123456789abcdef', 'http://old.gov.cn/art/1.html', 'old', "
                 "'某局2018年政府信息公开工作年度报告', '某局', 2018, '2019', '本机关全年收到申请。', 'x', "
                 "'2019-03-01T00:00:00Z', '2019-03-01T00:00:00Z', 1, 12, 0, 0)")
    conn.execute("insert into reports_fts (rowid, title, agency, body_text) select rowid, title, agency, "
                 "body_text from reports")
    conn.execute(f"insert into reports_grams (rowid, grams) select rowid, {GRAMS_FUNCTION}(title, agency, "
                 "index_no, body_text) from reports")
    conn.execute("insert into crawl_runs (portal, started_at, finished_at, status, pages, reports_new, "
                 "reports_changed, errors) values ('old', '2019-03-01T00:00:00Z', '2019-03-01T00:01:00Z', "
                 "'finished', 3, 1, 0, 0)")
    conn.execute("pragma user_version = 1")
    conn.commit()
    conn.close()


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_migrations_are_ordered_and_numbered():
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert SCHEMA_VERSION == MIGRATIONS[-1].number >= 2


def test_every_command_works_on_a_previous_release_archive(tmp_path):
    db = tmp_path / "archive.db"
    previous_release_archive(db)
    # serve: faceting by a column the old release did not have, and the removed-reports question.
    with running_server(db) as url:
        status, data = get(url + "/archive/reports.json?_facet=province&_shape=objects")
        assert status == 200 and data["rows"][0]["agency"] == "某局"
        status, data = get(url + "/archive/removed_reports.json?_shape=objects")
        assert status == 200 and data["rows"] == []
        status, data = get(url + "/archive/crawl_runs.json?_shape=objects")
        assert status == 200
    info = {r["key"]: r["value"] for r in rows(db, "select key, value from archive_info")}
    assert info == {"schema_version": str(SCHEMA_VERSION), "code_version": code_version()}
    assert rows(db, "pragma user_version")[0][0] == SCHEMA_VERSION
    # export, reextract, portals --health and capture on another old archive: each upgrades it itself.
    for command in (("export", "--out", str(tmp_path / "csv")), ("reextract",), ("portals", "--health"),
                    ("capture", "0123456789abcdef")):
        other = tmp_path / f"{command[0]}.db"
        previous_release_archive(other)
        done = xxgk(*command, "--db", str(other))
        assert "Traceback" not in done.stderr, done.stderr
        assert rows(other, "pragma user_version")[0][0] == SCHEMA_VERSION, command
        if command[0] in ("reextract", "portals"):
            assert done.returncode == 0, done.stderr
        if command[0] == "reextract":
            assert "1 reports, 0 changed (new version), 0 unchanged, 1 without a capture" in done.stderr
        if command[0] == "portals":
            assert done.stdout.splitlines()[1].startswith("old\t1\t2019-03-01T00:00:00Z\tfinished"), done.stdout
    assert (next((tmp_path / "csv").iterdir()) / "manifest.json").exists()
    assert "has no WARC capture" in done.stderr and done.returncode == 2
    # crawl into it: the old report stays, the new ones come with their province.
    portal = build_demo_portal(n_reports=3)
    with serve_portal(portal) as base:
        done = xxgk("crawl", "--url", base + portal.start_paths[0], "--db", str(db), "-q")
    assert done.returncode == 0, done.stderr
    assert rows(db, "select count(*) from reports")[0][0] == 4
    assert rows(db, "select count(*) from reports where agency = '某局' and removed_at is null")[0][0] == 1


def test_migrate_command_and_read_only_archive(tmp_path):
    db = tmp_path / "archive.db"
    previous_release_archive(db)
    done = xxgk("migrate", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert f"schema version {SCHEMA_VERSION}" in done.stderr
    assert rows(db, "pragma user_version")[0][0] == SCHEMA_VERSION
    again = xxgk("migrate", "--db", str(db))
    assert again.returncode == 0 and "already" in again.stderr


def test_serving_a_read_only_old_archive_says_what_to_run(tmp_path):
    """Opened read-only through SQLite's own flag (the tests may run as root, for whom file
    permissions do not stop writes)."""
    from storage.migrations import ReadOnlyArchive, upgrade

    db = tmp_path / "archive.db"
    previous_release_archive(db)
    with pytest.raises(ReadOnlyArchive) as caught:
        upgrade(db, read_only=True)
    message = str(caught.value)
    assert "\n" not in message and f"xxgk migrate --db {db}" in message


def test_dependencies_have_upper_bounds_that_the_suite_runs_within():
    """Each runtime dependency is capped, and the versions these tests run with are inside."""
    from importlib.metadata import requires, version

    from packaging.requirements import Requirement

    runtime = [Requirement(r) for r in requires("xxgk-archive") if "extra ==" not in r]
    assert runtime
    for req in runtime:
        assert any(spec.operator in ("<", "<=", "~=", "==") for spec in req.specifier), f"{req} has no upper bound"
        assert req.specifier.contains(version(req.name), prereleases=True), (req, version(req.name))
    assert Requirement(next(r for r in requires("xxgk-archive") if r.startswith("datasette"))).specifier \
        .contains("0.65.5") and not Requirement(
            next(r for r in requires("xxgk-archive") if r.startswith("datasette"))).specifier.contains("1.0")
