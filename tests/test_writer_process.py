"""The archive writer process (crawler/writer.py): `xxgk crawl` extracts and stores in a
second process. Killed mid-crawl, it loses nothing the archive had, marks nothing removed,
the user reads one line saying so, and the next crawl carries on to the same archive as an
uninterrupted one. Real crawls of a real loopback portal; the writer really killed."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, xxgk
from conftest import rows as q
from xxgk.portal import build_demo_portal, serve_portal

N_REPORTS = 1000


def snapshot(db):
    reports = {(r["id"], r["content_sha256"], r["version"]) for r in q(db, "select id, content_sha256, version from reports")}
    cells = {tuple(r) for r in q(db, "select report_id, table_name, row_path, column_path, value, raw from cells")}
    return reports, cells


def crawl(start, db, *extra):
    result = xxgk("crawl", "--url", start, "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    return result


def writer_of(pid: int) -> int | None:
    """The archive writer process among the children of `pid`."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    for child in children:
        try:
            if b"crawler.writer" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
        except OSError:
            continue
    return None


def kill_writer_mid_crawl(start, db, ready, *extra) -> subprocess.CompletedProcess:
    """Crawl; once `ready(db)` holds, SIGKILL the writer process; the crawl's result."""
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "crawl", "--url", start, "--db", str(db), "-q", *extra],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            try:
                if ready(db):
                    break
            except sqlite3.Error:
                continue
        assert proc.poll() is None, "the crawl finished before its writer could be killed: use a larger portal"
        writer = writer_of(proc.pid)
        assert writer is not None, "no archive writer process"
        os.kill(writer, signal.SIGKILL)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


def assert_one_clear_line(result):
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "archive writer process stopped" in line]
    assert len(said) == 1, result.stderr
    assert "killed by signal SIGKILL" in said[0] and "fetched again by the next run" in said[0]


def test_killed_writer_loses_nothing_and_says_so_in_one_line(tmp_path):
    portal = build_demo_portal(n_reports=N_REPORTS)
    full_db, db = tmp_path / "full.db", tmp_path / "a.db"
    with serve_portal(portal) as base:
        start = base + portal.start_paths[0]
        crawl(start, full_db)

        # First crawl of a fresh archive, its writer killed after some reports were committed.
        result = kill_writer_mid_crawl(start, db, lambda d: q(d, "select count(*) n from reports")[0]["n"] >= 200)
        assert_one_clear_line(result)
        stored = q(db, "select count(*) n from reports")[0]["n"]
        assert 0 < stored < N_REPORTS
        assert [r["status"] for r in q(db, "select status from crawl_runs order by id")] == ["failed"]
        crawl(start, db)  # resumes: what was not committed is fetched again
        assert snapshot(db) == snapshot(full_db)
        assert q(db, "select count(*) n from reports where removed_at is null")[0]["n"] == N_REPORTS

        # A re-crawl that reads every page again, killed: nothing lost, nothing marked removed.
        runs = q(db, "select count(*) n from crawl_runs")[0]["n"]
        result = kill_writer_mid_crawl(
            start, db, lambda d: q(d, "select count(*) n from fetches where status = 304")[0]["n"] > 0,
            "--refresh-days", "0")
        assert_one_clear_line(result)
        assert q(db, "select status from crawl_runs order by id desc limit 1")[0]["status"] == "failed"
        assert q(db, "select count(*) n from crawl_runs")[0]["n"] == runs + 1
        assert q(db, "select count(*) n from reports where removed_at is null")[0]["n"] == N_REPORTS
        assert snapshot(db) == snapshot(full_db)
