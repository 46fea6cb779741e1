"""How long each page a journalist opens takes on the demo archive (issue 14: none over 1 s).

Builds the demo archive (`xxgk demo --no-serve`, its two crawls), serves it with the real
`xxgk serve`, then requests every page of the UI `--repeat` times over HTTP (the whole
response read) and prints median and worst per page, and each median as a ratio to the
baseline measured in the same run: datasette's own `/-/versions.json`, the cheapest page the
server has. A page whose worst time is over 1 s is marked SLOW and the exit code is 1.

    .venv/bin/python benchmarks/pages_bench.py [--repeat 10] [--db PATH]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import sqlite3
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET_S = 1.0
BASELINE = "/-/versions.json"


def q(text: str) -> str:
    return urllib.parse.quote(text)


def pages(db: Path) -> list[str]:
    name = db.stem
    conn = sqlite3.connect(db)
    (report,) = conn.execute("select id from reports where checks_count > 0 limit 1").fetchone()
    conn.close()
    agency = "江澜市财政局"
    return ["/", f"/{name}/reports", f"/{name}/reports?_search={q('复议')}",
            f"/{name}/reports?_search={q('行政复议')}&_xxgk_view=table",
            f"/-/xxgk/report/{report}", f"/-/xxgk/report/{report}/original",
            f"/-/xxgk/report/{report}/original/page", f"/-/xxgk/agency/{q(agency)}",
            f"/-/xxgk/agency/{q(agency)}.csv", "/-/xxgk/agencies",
            "/-/xxgk/chart?indicator=reconsideration_total&year=2022",
            f"/-/xxgk/chart?indicator=applications_received&agency={q(agency)}",
            "/-/xxgk/chart.csv?indicator=reconsideration_total&year=2022",
            f"/-/xxgk/export/{name}/reports.csv?_search={q('复议')}",
            f"/-/xxgk/export/{name}/reports.csv",
            *[f"/{name}/{query}" for query in ("applications_by_agency", "year_over_year_changes",
                                               "inconsistent_reports", "appeals_by_agency",
                                               "removed_reports", "changed_reports", "reports_by_year")],
            f"/{name}/search?q={q('复议')}", f"/{name}/applications_by_agency?year={q('2022年')}"]


def fetch(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--db", type=Path, help="an existing archive (default: build the demo)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    db = args.db or Path(tmp.name) / "demo.db"
    if args.db is None:
        subprocess.run([sys.executable, "-m", "xxgk", "demo", "--no-serve", "--db", str(db)],
                       cwd=REPO, check=True, capture_output=True)
    sys.path.insert(0, str(REPO / "tests"))
    from servers import running_server  # the tests' one way to start `xxgk serve`

    worst_page = 0.0
    with running_server(db) as url:
        for path in [BASELINE, *pages(db)]:  # warm up: first requests open connections
            fetch(url + path)
        base = statistics.median(fetch(url + BASELINE) for _ in range(args.repeat))
        print(f"baseline {BASELINE}: median {base * 1000:.1f} ms")
        print(f"{'page':70} {'median ms':>10} {'worst ms':>9} {'× base':>8}")
        for path in pages(db):
            times = [fetch(url + path) for _ in range(args.repeat)]
            median, worst = statistics.median(times), max(times)
            worst_page = max(worst_page, worst)
            flag = "  SLOW" if worst > BUDGET_S else ""
            print(f"{urllib.parse.unquote(path)[:70]:70} {median * 1000:10.1f} {worst * 1000:9.1f} "
                  f"{median / base:8.1f}{flag}")
    print(f"slowest page: {worst_page * 1000:.0f} ms (budget {BUDGET_S * 1000:.0f} ms)")
    return 1 if worst_page > BUDGET_S else 0


if __name__ == "__main__":
    sys.exit(main())
