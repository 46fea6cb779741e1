"""Issue 15 finding 8: logs an operator can read. Summary lines carry a UTC timestamp; an
unreachable portal is one line (its traceback only under --log-level DEBUG); a malformed
registry entry is reported and skipped while the other portals are crawled; datasette logs no
ERROR on ordinary page views."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request

from conftest import REPO, free_port, rows
from servers import running_server
from storage.archive import Archive
from test_archive import make_extraction
from xxgk.portal import build_demo_portal, serve_portal

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def _registry(path, entries):
    lines = ["portals:"]
    for pid, url in entries:
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", "    level: city",
                  '    region_code: "330800"', "    status: confirmed", "    verified: 2026-12-04",
                  "    evidence: a loopback test portal", f'    start_urls: ["{url}"]']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _crawl_all(reg, db, *extra):
    env = dict(os.environ, XXGK_REGISTRY=str(reg))
    return subprocess.run([sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q", *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_summary_lines_unreachable_portal_and_bad_entry(tmp_path):
    portal = build_demo_portal(n_reports=3)
    dead_url = f"http://127.0.0.1:{free_port()}/col/col1/index.html"  # nothing listens
    reg, db = tmp_path / "portals.yaml", tmp_path / "a.db"
    with serve_portal(portal) as base:
        _registry(reg, [("broken", "http://[::1/col/index.html"), ("alpha", base + portal.start_paths[0]),
                        ("gamma", dead_url)])
        done = _crawl_all(reg, db)
    err = done.stderr
    assert done.returncode == 1, err
    assert "Traceback" not in err, err
    # The bad entry: reported in one line, and the others were crawled all the same.
    assert len([l for l in err.splitlines() if "broken" in l and "Invalid IPv6 URL" in l]) == 1, err
    assert {r["portal"] for r in rows(db, "select portal from crawl_runs")} == {"alpha", "gamma"}
    # Timestamped summaries.
    assert re.search(rf"^{STAMP} alpha: finished, \d+ pages, 3 new", err, re.M), err
    # The unreachable portal: its summary line says why; nothing else about it but the verdict.
    about_gamma = [l for l in err.splitlines() if "gamma" in l or "Connection refused" in l
                   or "127.0.0.1:" + dead_url.split(":")[2].split("/")[0] in l]
    assert len(about_gamma) == 2, err
    assert re.match(rf"^{STAMP} gamma: failed, .*unreachable.*[Cc]onnection.*refused", about_gamma[0]), err
    assert "portals failed completely: gamma" in about_gamma[1]
    # Nothing else: what cron mails and the journal keeps is these lines, no warning that is
    # not a problem (the CLI's crawls used to log "Disabled … ArchiveLockExtension" every run).
    others = [l for l in err.splitlines() if not re.match(rf"^({STAMP} |xxgk: error: )", l)]
    assert not others, err


def test_debug_log_level_keeps_the_traceback(tmp_path):
    reg = tmp_path / "portals.yaml"
    _registry(reg, [("gamma", f"http://127.0.0.1:{free_port()}/col/col1/index.html")])
    done = _crawl_all(reg, tmp_path / "a.db", "--log-level", "DEBUG")
    assert done.returncode == 1
    assert "Traceback" in done.stderr


def test_datasette_logs_no_error_on_page_views(tmp_path):
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.save_report(url="https://example.gov.cn/a.html", portal="p", extraction=make_extraction())
    with running_server(db) as url:
        for path in ("/", "/archive", "/archive/reports", "/archive/reports_grams"):
            try:
                urllib.request.urlopen(url + path, timeout=30).read()
            except urllib.error.HTTPError:
                pass  # a page may refuse; what matters is the log
        port = url.rsplit(":", 1)[1]
    log = (tmp_path / f"serve-{port}.log").read_text("utf-8", "replace")
    assert "ERROR" not in log, log
