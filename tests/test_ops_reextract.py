"""Issue 15 finding 3: extraction fixes reach the archive.

`xxgk reextract` runs this code's extraction again on the stored WARC captures (no network:
the portal is stopped first); a report whose extracted content changed gets a new version with
its report_changes, every report records the extractor version, and registered portals'
reports get the columns added since (province …, column_url). A report a crawl does not fetch
again (304, or fresh) is re-extracted from its capture when an older extractor stored it.

"An older extractor" is made the way an upgrade finds it: the archive's rows are rewritten to
what another extraction gave (a different agency, a different header block), with no
extractor version and the columns added since left empty.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from conftest import REPO, free_port, rows
from pipelines.version import EXTRACTOR_VERSION
from storage.archive import changes_between
from storage.search import register_functions
from storage.versions import register as register_versions
from xxgk.portal import build_demo_portal, serve_portal

N_REPORTS = 8


def run(db, *args, registry=None):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if registry is not None:
        env["XXGK_REGISTRY"] = str(registry)
    return subprocess.run([sys.executable, "-m", "xxgk", *args, "--db", str(db)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def write_registry(path, url):
    path.write_text("portals:\n  - id: loop\n    name: 江澜市 loopback\n    family: generic\n"
                    f'    start_urls: ["{url}"]\n    level: city\n    region_code: "330800"\n'
                    "    status: confirmed\n    verified: 2026-12-04\n"
                    f"    evidence: a loopback demo portal at {url}\n", encoding="utf-8")


def crawled(tmp_path):
    """A demo portal of N_REPORTS reports crawled through a private registry; (db, registry,
    portal, port) — the portal is not running any more."""
    db, reg, port = tmp_path / "archive.db", tmp_path / "portals.yaml", free_port()
    portal = build_demo_portal(n_reports=N_REPORTS)
    with serve_portal(portal, port=port) as base:
        write_registry(reg, base + portal.start_paths[0])
        done = run(db, "crawl", "loop", "-q", registry=reg)
    assert done.returncode == 0, done.stderr
    assert rows(db, "select count(*) from reports")[0][0] == N_REPORTS
    return db, reg, portal, port


def as_if_older(db, report_id, **changed):
    """Rewrite a report as an older extraction stored it: `changed` keys of its extraction
    differ, no extractor version, the columns added since empty."""
    conn = sqlite3.connect(db)
    register_functions(conn)  # the short-word index's trigger
    register_versions(conn)  # the report_versions view's
    with conn:
        data = json.loads(conn.execute("select data_json from report_versions where report_id = ? and version = 1",
                                       [report_id]).fetchone()[0])
        data.update(changed)
        conn.execute("update version_store set data_json = ?, content_sha256 = 'older' where report_id = ?",
                     [json.dumps(data, ensure_ascii=False), report_id])
        conn.execute("update reports set content_sha256 = 'older', extractor_version = null, province = null, "
                     "city = null, level = null, region_code = null, column_url = null where id = ?", [report_id])
        if "agency" in changed:
            conn.execute("update reports set agency = ? where id = ?", [changed["agency"], report_id])
    conn.close()
    return data


def test_reextract_on_a_current_archive_changes_nothing_and_needs_no_network(tmp_path):
    db, _reg, _portal, _port = crawled(tmp_path)
    before = rows(db, "select count(*) from report_versions")[0][0]
    done = run(db, "reextract")   # the portal is stopped: any request would fail
    assert done.returncode == 0, done.stderr
    assert f"{N_REPORTS} reports, 0 changed" in done.stderr, done.stderr
    assert "[reextract] reports 8/8" in done.stderr  # progress line
    assert rows(db, "select count(*) from report_versions")[0][0] == before
    assert {tuple(r) for r in rows(db, "select version, extractor_version from reports")} == {(1, EXTRACTOR_VERSION)}


def test_reextract_gives_new_versions_with_their_changes_and_fills_new_columns(tmp_path):
    db, reg, _portal, _port = crawled(tmp_path)
    first, second = [r[0] for r in rows(db, "select id from reports order by id limit 2")]
    right = rows(db, "select agency from reports where id = ?", first)[0][0]
    as_if_older(db, first, agency="旧的机关名称")
    old = as_if_older(db, second, metadata={"索引号": "旧-0001"})   # one key of the extraction only
    column = rows(db, "select column_url from reports where column_url is not null limit 1")[0][0]
    conn = sqlite3.connect(db)
    with conn:  # an archive from before the registry's columns: none of its reports has them
        conn.execute("update reports set province = null, level = null, region_code = null, "
                     "extractor_version = null")
    conn.close()

    nothing = run(db, "reextract", "--portal", "elsewhere", registry=reg)
    assert nothing.returncode == 0 and "0 reports" in nothing.stderr, nothing.stderr
    later = run(db, "reextract", "--since", "2999-01-01", registry=reg)
    assert later.returncode == 0 and "0 reports" in later.stderr, later.stderr

    done = run(db, "reextract", registry=reg)
    assert done.returncode == 0, done.stderr
    assert f"{N_REPORTS} reports, 2 changed" in done.stderr, done.stderr
    versions = {r["id"]: r["version"] for r in rows(db, "select id, version from reports")}
    assert versions.pop(first) == 2 and versions.pop(second) == 2
    assert set(versions.values()) == {1}
    assert rows(db, "select agency from reports where id = ?", first)[0][0] == right
    changes = rows(db, "select report_id, version, kind, name, old, new from report_changes")
    assert (first, 2, "field", "agency", "旧的机关名称", right) in [tuple(c) for c in changes]
    metadata = [c for c in changes if c["report_id"] == second]
    assert metadata and all(c["name"].startswith("metadata.") for c in metadata), [tuple(c) for c in metadata]
    assert any(c["old"] == "旧-0001" for c in metadata) or any(c["new"] == old["metadata"].get(c["name"][9:])
                                                              for c in metadata)
    assert rows(db, "select count(*) from report_versions")[0][0] == N_REPORTS + 2
    for r in rows(db, "select province, level, region_code, column_url, extractor_version from reports"):
        assert tuple(r) == ("浙江省", "city", "330800", column, EXTRACTOR_VERSION)


def test_reports_not_fetched_again_are_reextracted_when_an_older_extractor_stored_them(tmp_path):
    db, reg, portal, port = crawled(tmp_path)
    ids = [r[0] for r in rows(db, "select id from reports order by id")]
    right = {r[0]: r[1] for r in rows(db, "select id, agency from reports")}
    as_if_older(db, ids[0], agency="旧的机关名称")
    with serve_portal(portal, port=port):
        fresh = run(db, "crawl", "loop", "-q", registry=reg)   # archived today: not requested at all
    assert fresh.returncode == 0, fresh.stderr
    assert rows(db, "select agency, version, extractor_version, province, column_url is not null from reports "
                "where id = ?", ids[0])[0][:] == (right[ids[0]], 2, EXTRACTOR_VERSION, "浙江省", 1)
    assert rows(db, "select reports_changed from crawl_runs order by id desc limit 1")[0][0] == 1

    as_if_older(db, ids[1], agency="另一个旧名称")
    with serve_portal(portal, port=port):
        again = run(db, "crawl", "loop", "-q", "--refresh-days", "0", registry=reg)  # every page asked: 304
    assert again.returncode == 0, again.stderr
    statuses = {r[0] for r in rows(db, "select status from fetches where url like '%/art/%'")}
    assert 304 in statuses, statuses
    assert rows(db, "select agency, version, extractor_version from reports where id = ?", ids[1])[0][:] == (
        right[ids[1]], 2, EXTRACTOR_VERSION)
    changes = [tuple(c) for c in rows(db, "select report_id, name, new from report_changes")]
    assert (ids[0], "agency", right[ids[0]]) in changes and (ids[1], "agency", right[ids[1]]) in changes
    assert set(r[0] for r in rows(db, "select version from reports where id not in (?, ?)", ids[0], ids[1])) == {1}


def test_a_new_version_always_says_what_changed():
    """A one-key change of the extraction (here its failed checks, its errors, its header
    block) is listed: a version with no report_changes row cannot happen."""
    old = {"title": "t", "checks": [], "errors": [], "metadata": {"索引号": "1"}, "cells": [], "indicators": {}}
    for key, value in (("checks", [{"check": "t3_identity", "expected": 3, "found": 2, "where": {}, "kind": "mismatch"}]),
                       ("errors", ["image-only report"]), ("index_no_parts", {"year": "2019"})):
        changes = changes_between("r", 2, old, {**old, key: value})
        assert [c["name"] for c in changes] == [key], changes
    changes = changes_between("r", 2, old, {**old, "metadata": {"索引号": "2"}})
    assert [(c["name"], c["old"], c["new"]) for c in changes] == [("metadata.索引号", "1", "2")]
    assert changes_between("r", 2, old, {**old, "source": "elsewhere", "confidence": 0.5}) == []


def test_captures_are_read_back_as_the_crawl_read_them():
    """WARC keeps bodies as received: a gzip or deflate body is inflated again (within the
    crawl's download limit), an encoding this code cannot read is one clear line."""
    import gzip
    import zlib

    import pytest

    from crawler.reextract import NotReextracted, decoded_body

    page = "<html><title>某局2019年政府信息公开工作年度报告</title></html>".encode("utf-8")
    assert decoded_body(page, [("Content-Type", "text/html")]) == page
    assert decoded_body(gzip.compress(page), [("Content-Encoding", "gzip")]) == page
    assert decoded_body(zlib.compress(page), [("content-encoding", "deflate")]) == page
    with pytest.raises(NotReextracted, match="Content-Encoding 'br'"):
        decoded_body(b"\x1b", [("Content-Encoding", "br")])
    with pytest.raises(NotReextracted, match="not valid gzip"):
        decoded_body(b"not gzip", [("Content-Encoding", "gzip")])


def test_the_readme_upgrade_lines_bring_an_older_archive_up_to_date(tmp_path):
    """The `xxgk` lines of the README's upgrade block (*Upgrades and backups*), run as written
    with the archive's folder moved and the service user left out."""
    import re

    text = (REPO / "README.md").read_text("utf-8")
    section = text[text.index("### Upgrades and backups"):text.index("Backups:")]
    block = re.findall(r"```sh\n(.*?)```", section, re.S)[0]
    lines = [line for line in block.splitlines() if ".venv/bin/xxgk " in line]
    assert [line.split(".venv/bin/xxgk ")[1].split()[0] for line in lines] == ["migrate", "reextract"]
    db, reg, _portal, _port = crawled(tmp_path)
    first = rows(db, "select id from reports order by id limit 1")[0][0]
    right = rows(db, "select agency from reports where id = ?", first)[0][0]
    as_if_older(db, first, agency="旧的机关名称")
    for line in lines:
        args = line.split(".venv/bin/xxgk ")[1].replace("/srv/xxgk/archive.db", str(db)).split()
        env = dict(os.environ, XXGK_REGISTRY=str(reg))
        done = subprocess.run([sys.executable, "-m", "xxgk", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, (line, done.stderr)
    assert rows(db, "select agency, version, extractor_version, province from reports where id = ?", first)[0][:] \
        == (right, 2, EXTRACTOR_VERSION, "浙江省")


# What a release that changed the extraction and bumped EXTRACTOR_VERSION runs: this code with
# the version set to NEXT and every report's agency read differently (a suffix), as a changed
# reader would. Nothing in the archive says the extraction changed but the version.
# The next release's code, applied by a sitecustomize module on PYTHONPATH: every process of the
# command (the crawl's archive writer and extraction processes are spawned interpreters) runs it.
NEXT_RELEASE = """import pipelines.version
pipelines.version.EXTRACTOR_VERSION = {version}
from pipelines.model import Extraction
_to_json = Extraction.to_json
def to_json(self):
    data = _to_json(self)
    data["agency"] = (data["agency"] or "") + {suffix!r}
    return data
Extraction.to_json = to_json
"""


def test_an_extractor_version_bump_reaches_every_report(tmp_path):
    """Bumping EXTRACTOR_VERSION alone is what marks every stored report as older: `reextract
    --stale` then re-reads all of them (and none a second time), and a crawl that fetches no
    report page again re-extracts all of them from their captures."""
    db, reg, portal, port = crawled(tmp_path)
    right = {r[0]: r[1] for r in rows(db, "select id, agency from reports")}

    def release(version, suffix, *args):
        code = tmp_path / f"release{version}"
        code.mkdir(exist_ok=True)
        (code / "sitecustomize.py").write_text(NEXT_RELEASE.format(version=version, suffix=suffix), "utf-8")
        env = dict(os.environ, XXGK_REGISTRY=str(reg), PYTHONPATH=os.pathsep.join([str(code), str(REPO)]))
        main = "import sys; from xxgk.cli import main; sys.exit(main(sys.argv[1:]))"
        return subprocess.run([sys.executable, "-c", main, *args, "--db", str(db)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)

    assert "0 reports" in run(db, "reextract", "--stale", registry=reg).stderr   # nothing older yet
    done = release(EXTRACTOR_VERSION + 1, "（二）", "reextract", "--stale")
    assert done.returncode == 0 and f"{N_REPORTS} reports, {N_REPORTS} changed" in done.stderr, done.stderr
    assert {tuple(r) for r in rows(db, "select version, extractor_version from reports")} == {
        (2, EXTRACTOR_VERSION + 1)}
    assert {r[0]: r[1] for r in rows(db, "select id, agency from reports")} == {
        i: a + "（二）" for i, a in right.items()}
    assert rows(db, "select count(*) from report_changes where name = 'agency' and version = 2")[0][0] == N_REPORTS
    again = release(EXTRACTOR_VERSION + 1, "（二）", "reextract", "--stale")
    assert again.returncode == 0 and "0 reports" in again.stderr, again.stderr

    fetched = rows(db, "select count(*) from fetches where url like '%/art/%'")[0][0]
    with serve_portal(portal, port=port):
        crawl = release(EXTRACTOR_VERSION + 2, "（三）", "crawl", "loop", "-q")   # every report fresh
    assert crawl.returncode == 0, crawl.stderr
    assert rows(db, "select count(*) from fetches where url like '%/art/%'")[0][0] == fetched  # none asked
    assert rows(db, "select reports_changed from crawl_runs order by id desc limit 1")[0][0] == N_REPORTS
    assert {tuple(r) for r in rows(db, "select version, extractor_version from reports")} == {
        (3, EXTRACTOR_VERSION + 2)}
    assert {r[0]: r[1] for r in rows(db, "select id, agency from reports")} == {
        i: a + "（三）" for i, a in right.items()}
    last = release(EXTRACTOR_VERSION + 2, "（三）", "reextract", "--stale")
    assert last.returncode == 0 and "0 reports" in last.stderr, last.stderr
