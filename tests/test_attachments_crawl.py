"""Reports published as attachments, crawled end to end: the page only links its PDF /
DOCX / XLSX; the crawl downloads it, keeps it under its sha256 name, records it in
`attachments`, and the report gets its data from the file."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import urllib.parse

import pytest

import attachment_factory as af
from conftest import xxgk
from storage.archive import attachments_dir_for
from pipelines.report import IMAGE_ONLY_ERROR
from xxgk.portal import build_demo_portal, serve_portal



class AttachmentPortal:
    """The demo portal, with some report pages reduced to a link to their attachment."""

    def __init__(self, portal):
        self.portal = portal
        self.files: dict[str, bytes] = {}
        self.pages: dict[str, str] = {}  # article path -> attachment path

    def attach(self, facts, ext: str, data: bytes) -> str:
        path = f"/att/{hashlib.sha1(facts.art_path.encode()).hexdigest()[:10]}{ext}"
        self.files[path], self.pages[facts.art_path] = data, path
        return path

    def handle(self, method, path, query="", body=b"", headers=None):
        if path in self.files:
            return 200, {"Content-Type": "application/octet-stream", "Content-Length": str(len(self.files[path]))}, self.files[path]
        status, out, data = self.portal.handle(method, path, query, body, headers)
        if path in self.pages:
            out, data = af.linking_page(out, data, self.pages[path])
        return status, out, data


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    demo = build_demo_portal()
    site = AttachmentPortal(demo)
    chosen = [r for r in demo.reports if r.template == "pre2019" and r.encoding == "utf-8"][1:5]
    kinds = {}
    for facts, (ext, build) in zip(chosen[:3], [(".pdf", af.pdf_bytes), (".docx", af.docx_bytes), (".xlsx", af.xlsx_bytes)]):
        site.attach(facts, ext, build(af.content(demo, facts)))
        kinds[facts.art_path] = ext
    site.attach(chosen[3], ".pdf", af.image_only_pdf_bytes())
    kinds[chosen[3].art_path] = "image"
    db = tmp_path_factory.mktemp("att") / "archive.db"
    with serve_portal(site) as base:
        result = xxgk("crawl", "--url", base + demo.start_paths[0], "--db", str(db))
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    yield dict(db=str(db), conn=conn, demo=demo, site=site, chosen=chosen, kinds=kinds)
    conn.close()


def report_row(c, facts):
    rows = [r for r in c["conn"].execute("select * from reports") if urllib.parse.urlsplit(r["url"]).path == facts.art_path]
    assert len(rows) == 1, facts.art_path
    return rows[0]


def test_report_data_comes_from_its_attachment(crawled):
    for facts in crawled["chosen"][:3]:
        row = report_row(crawled, facts)
        assert (row["title"], row["index_no"], row["template"]) == (facts.title, facts.index_no, "pre2019")
        got = {tuple(json.loads(c["row_path"]))[-1]: (c["value"], c["raw"]) for c in crawled["conn"].execute(
            "select row_path, value, raw from cells where report_id = ?", [row["id"]])}
        expected = {cell.row[-1]: (cell.value, cell.raw) for cell in facts.cells}
        assert got == expected, crawled["kinds"][facts.art_path]


def test_attachments_stored_under_sha256_names(crawled):
    rows = list(crawled["conn"].execute("select * from attachments"))
    assert len(rows) == 4
    folder = attachments_dir_for(crawled["db"])
    served = {hashlib.sha256(data).hexdigest() for data in crawled["site"].files.values()}
    for row in rows:
        path = os.path.join(folder, row["stored_as"])
        data = open(path, "rb").read()
        assert hashlib.sha256(data).hexdigest() == row["sha256"] and os.path.basename(path).startswith(row["sha256"])
        assert row["size"] == len(data)
    assert {r["sha256"] for r in rows} == served
    used = {urllib.parse.urlsplit(r["parent_url"]).path: r["used_for_report"] for r in rows}
    assert used == {f.art_path: 1 for f in crawled["chosen"]}
    report_ids = {r["report_id"] for r in rows}
    assert report_ids == {report_row(crawled, f)["id"] for f in crawled["chosen"]}


def test_image_only_report_recorded_with_a_clear_error(crawled):
    row = report_row(crawled, crawled["chosen"][3])
    assert IMAGE_ONLY_ERROR in json.loads(row["errors_json"])
    assert row["cells_count"] == 0


def test_every_other_report_still_archived(crawled):
    count = crawled["conn"].execute("select count(*) from reports").fetchone()[0]
    assert count == len(crawled["demo"].reports)


def test_reextract_reads_the_stored_attachments_again(crawled, tmp_path):
    """`xxgk reextract` (issue 15 finding 3) redoes what the crawl did for a page that only links
    its report: the page from its WARC capture, the data from the stored file. So nothing
    changes, and the reports keep their attachment's cells."""
    copy = tmp_path / "archive.db"
    with sqlite3.connect(copy) as target:
        crawled["conn"].backup(target)
    source = os.path.splitext(crawled["db"])[0]
    for suffix in (".warc", ".attachments"):
        shutil.copytree(source + suffix, str(tmp_path / "archive") + suffix)
    before = {r[0]: r[1:] for r in sqlite3.connect(copy).execute(
        "select id, content_sha256, cells_count, version from reports")}
    done = xxgk("reextract", "--db", str(copy))
    assert done.returncode == 0, done.stderr
    assert f"{len(before)} reports, 0 changed" in done.stderr and "0 no longer read as a report" in done.stderr, \
        done.stderr
    after = {r[0]: r[1:] for r in sqlite3.connect(copy).execute(
        "select id, content_sha256, cells_count, version from reports")}
    assert after == before
    for facts in crawled["chosen"][:3]:   # the PDF, DOCX and XLSX reports
        conn = sqlite3.connect(copy)
        conn.row_factory = sqlite3.Row
        assert report_row(dict(conn=conn), facts)["cells_count"] > 0
