"""First crawl vs re-crawl of an unchanged generated portal (incremental crawls).

Both crawls run `xxgk crawl --url` (a real Scrapy process) against a generated jcms
portal on loopback; the first crawl is the baseline, measured in the same run.
The re-crawl re-reads list pages only: report pages archived within the refresh
interval are not requested.

    .venv/bin/python benchmarks/incremental_bench.py [--reports 1000]
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from xxgk.portal import build_demo_portal, serve_portal

REPO = Path(__file__).resolve().parent.parent


class Counting:
    def __init__(self, portal):
        self.portal, self.requests = portal, Counter()

    def handle(self, method, path, query="", body=b"", headers=None):
        self.requests["article" if path.startswith("/art/") else "list"] += 1
        return self.portal.handle(method, path, query, body, headers)


def crawl(start: str, db: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xxgk", "crawl", "--url", start, "--db", str(db), "-q"],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    portal = Counting(build_demo_portal(n_reports=args.reports))
    with tempfile.TemporaryDirectory() as tmp, serve_portal(portal) as base:
        db = Path(tmp) / "bench.db"
        start = base + portal.portal.start_paths[0]
        first = crawl(start, db)
        first_requests = dict(portal.requests)
        portal.requests.clear()
        second = crawl(start, db)
        with sqlite3.connect(db) as conn:
            reports = conn.execute("select count(*) from reports").fetchone()[0]
    print(f"portal: {args.reports} reports generated, {reports} archived")
    print(f"first crawl (baseline): {first:.2f} s, requests {first_requests}")
    print(f"re-crawl              : {second:.2f} s, requests {dict(portal.requests)}")
    print(f"speed-up first / re-crawl: {first / second:.1f}x")


if __name__ == "__main__":
    main()
