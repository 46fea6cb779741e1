"""The crawl runner's result per target (xxgk/crawl.py run_crawls): a crawl that dies before it
records its run is reported as failed, never as the portal's previous run."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO

SCRIPT = """
import sys
from xxgk.crawl import CrawlTarget, run_crawls
from xxgk.portal import build_demo_portal, serve_portal

portal = build_demo_portal(n_reports=2)
with serve_portal(portal) as base:
    good = CrawlTarget("p", [base + portal.start_paths[0]], local=True)
    dead = CrawlTarget("p", [], local=True)   # the spider refuses to start: no start URL
    results = run_crawls([good, dead], sys.argv[1], progress=False, log_level="CRITICAL")
print(" ".join(f"{r.status}:{r.reports_new}" for r in results))
"""


def test_a_crawl_that_dies_before_its_run_is_failed_not_the_previous_run(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "archive.db")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["finished:2", "failed:0"]
