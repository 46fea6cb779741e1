"""`xxgk crawl --all`, what cron runs: one crawl_runs row per portal, a non-zero exit only
when a portal failed completely. A registry of loopback portals replaces the real one
through $XXGK_REGISTRY (the real portals cannot be reached from here)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from conftest import REPO, free_port
from xxgk.portal import build_demo_portal, serve_portal


def registry(path, entries):
    lines = ["portals:"]
    for pid, url in entries:
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", f'    start_urls: ["{url}"]',
                  "    level: city", '    region_code: "330800"', "    status: confirmed", "    verified: 2026-12-04",
                  f"    evidence: a loopback demo portal at {url}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def crawl_all(reg, db):
    env = dict(os.environ, XXGK_REGISTRY=str(reg))
    return subprocess.run([sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def runs(db):
    with sqlite3.connect(db) as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "select portal, status, reports_new, errors, duration_s from crawl_runs order by id")}


def test_one_run_per_portal_and_exit_code(tmp_path):
    small, smaller = build_demo_portal(n_reports=6), build_demo_portal(n_reports=3)
    with serve_portal(small) as a, serve_portal(smaller) as b:
        good = [("alpha", a + small.start_paths[0]), ("beta", b + smaller.start_paths[0])]
        reg = tmp_path / "portals.yaml"
        registry(reg, good)
        ok = crawl_all(reg, tmp_path / "ok.db")
        assert ok.returncode == 0, ok.stderr
        got = runs(tmp_path / "ok.db")
        assert set(got) == {"alpha", "beta"}
        assert got["alpha"][:2] == ("finished", 6) and got["beta"][:2] == ("finished", 3)
        assert all(r[3] is not None and r[3] >= 0 for r in got.values())
        with sqlite3.connect(tmp_path / "ok.db") as conn:
            assert conn.execute("select distinct province from reports").fetchall() == [("浙江省",)]

        dead = ("gamma", f"http://127.0.0.1:{free_port()}/col/col1/index.html")  # nothing listens
        registry(reg, good + [dead])
        failed = crawl_all(reg, tmp_path / "failed.db")
    assert failed.returncode == 1
    assert "1 of 3 portals failed completely: gamma" in failed.stderr
    got = runs(tmp_path / "failed.db")
    assert got["gamma"][0] == "failed" and got["alpha"][0] == got["beta"][0] == "finished"
