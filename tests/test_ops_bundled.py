"""Issue 15 finding 2: the bundled demo portal (121 fictional reports) must never land in a
production archive through `crawl --all`; it is reached only by `xxgk demo` or by naming it."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from conftest import REPO
from xxgk.portal import build_demo_portal, serve_portal


def _registry(path, url):
    path.write_text(
        "portals:\n"
        "  - id: demo\n    name: demo\n    family: jcms\n    level: city\n    bundled: true\n"
        '    start_urls: ["/col/col1229000001/index.html"]\n'
        f"  - id: alpha\n    name: alpha\n    family: generic\n    level: city\n"
        f'    region_code: "330800"\n    status: confirmed\n    verified: 2026-12-04\n'
        f'    evidence: a loopback test portal\n    start_urls: ["{url}"]\n', encoding="utf-8")


def test_crawl_all_leaves_out_bundled_portals(tmp_path):
    portal = build_demo_portal(n_reports=3)
    reg, db = tmp_path / "portals.yaml", tmp_path / "a.db"
    with serve_portal(portal) as base:
        _registry(reg, base + portal.start_paths[0])
        env = dict(os.environ, XXGK_REGISTRY=str(reg))
        done = subprocess.run([sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        portals = {r[0] for r in conn.execute("select portal from crawl_runs")}
        in_reports = {r[0] for r in conn.execute("select distinct portal from reports")}
    assert portals == {"alpha"} and in_reports == {"alpha"}
