"""The whole pipeline at scale (issue #11 point 4): many portals into one archive, end to end.

In one run:

1. serves P generated jcms portals of R reports each on loopback (`xxgk.portal`, in this
   process, one thread per connection) and writes a registry of them ($XXGK_REGISTRY);
2. **crawl**: `xxgk crawl --all` into a fresh archive, every portal at once (`--parallel`,
   default 8, politeness per site: see xxgk/crawl.py);
3. **re-crawl**: the same command again (list pages re-read, report pages fresh: skipped);
4. **export**: `xxgk export` (the CSV snapshot);
5. **serve**: `xxgk serve`, then search latencies over HTTP (`reports.json?_search=…`, 20 runs
   per query: a broad word in every report, a rare agency name, an index number).

Each stage is a separate process timed from start to exit. It prints per stage the wall
time, pages and pages/s (crawls), the peak RSS (getrusage of the child: its largest process;
and the peaks of all its live processes summed, sampled every 0.5 s: the crawl is a crawl
process, an archive writer and an extraction process), and for the first crawl both so far
when 10 %, 50 % and 100 % of the reports were stored (the issue's target: ≤ 300 MB, the
100 % figure within 1.3× of the 10 % one); then the archive's size
(database and WAL), the WARC files' and the export's.

    .venv/bin/python benchmarks/scale_bench.py [--portals 20] [--reports-per-portal 5000]
        [--parallel 8] [--dir DIR] [--keep]

The portals' pages are rendered by this process while the crawl runs, on the same machine:
pages/s is that of the pair, as in crawl_bench.py.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from xxgk.portal import build_demo_portal, serve_portal  # noqa: E402

MARKS = (0.10, 0.50, 1.00)  # shares of the reports at which the crawl's peak RSS is noted
SEARCH_REPEAT = 20


def write_registry(path: Path, portals: list[tuple[str, str]]) -> None:
    lines = ["portals:"]
    for pid, url in portals:
        lines += [f"  - id: {pid}", f"    name: {pid}", "    family: generic", f'    start_urls: ["{url}"]',
                  "    level: city", '    region_code: "330800"', "    status: confirmed",
                  "    verified: 2026-12-05", f"    evidence: a generated loopback portal at {url}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def count_reports(db: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            return conn.execute("select count(*) from reports").fetchone()[0]
    except sqlite3.Error:
        return 0


def _proc_mb(path: str, field: str) -> Optional[float]:
    """A "Field:  N kB" line of a /proc file, MB (None when the process is gone)."""
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def vm_hwm_mb(pid: int) -> Optional[float]:
    """Peak resident set size so far of a running process (Linux /proc), MB."""
    return _proc_mb(f"/proc/{pid}/status", "VmHWM:")


def pss_mb(pid: int) -> Optional[float]:
    """Proportional set size of a running process now, MB: each page it shares with others (the
    interpreter and libraries the crawl's processes all map) counted in part."""
    return _proc_mb(f"/proc/{pid}/smaps_rollup", "Pss:")


def tree_pids(pid: int) -> list[int]:
    """A process and its live descendants (`xxgk crawl`: the writer and its extraction process;
    `xxgk serve`: datasette)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *(p for child in children for p in tree_pids(int(child)))]


def tree_hwm_mb(pid: int) -> float:
    """Sum of the peak RSS of a process and its descendants, MB: an upper bound of their peak
    together."""
    return sum(vm_hwm_mb(p) or 0.0 for p in tree_pids(pid))


# The crawl's memory figures at each share of MARKS: (label, key in run_stage's result).
MEMORY_ROWS = (("largest process (RSS)", "marks"), ("all its processes (sum of RSS peaks)", "tree_marks"),
               ("all its processes together (PSS)", "pss_marks"))


def run_stage(command: list[str], env: dict[str, str], db: Optional[Path] = None,
              total: int = 0) -> dict[str, Any]:
    """Run a command to its end: wall seconds, exit code, peak RSS (MB) and, when `total`
    reports are expected in `db`, the peak RSS so far at each share of MARKS."""
    log = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    marks: dict[float, float] = {}
    tree_marks: dict[float, float] = {}
    pss_marks: dict[float, float] = {}
    largest, tree_peak, pss_peak = [0.0], [0.0], [0.0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            # The crawl is three processes (crawl, archive writer, extraction): their peaks
            # summed, sampled while they live, bound what the machine must hold for it.
            pids = tree_pids(proc.pid)
            peaks = [vm_hwm_mb(p) or 0.0 for p in pids]
            largest[0] = max(largest[0], *peaks)
            tree_peak[0] = max(tree_peak[0], sum(peaks))
            pss_peak[0] = max(pss_peak[0], sum(pss_mb(p) or 0.0 for p in pids))
            if not total or db is None:
                continue
            stored = count_reports(db)
            for share in MARKS:
                if share not in marks and stored >= share * total:
                    marks[share] = largest[0]
                    tree_marks[share] = tree_peak[0]
                    pss_marks[share] = pss_peak[0]

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024
    tree = max(tree_peak[0], peak)
    if total and db is not None:
        for share in MARKS:  # reached only at the end (or the count stopped short): the final peak
            marks.setdefault(share, peak)
            tree_marks.setdefault(share, tree)
            pss_marks.setdefault(share, pss_peak[0])
    log.seek(0)
    output = log.read().decode("utf-8", "replace")
    return {"wall": wall, "code": proc.returncode, "peak_mb": peak, "tree_mb": tree, "marks": marks,
            "tree_marks": tree_marks, "pss_mb": pss_peak[0], "pss_marks": pss_marks, "output": output}


def runs_since(db: Path, after: int) -> tuple[int, int, int, int]:
    """(last run id, pages, reports new, runs) of the crawl_runs rows after id `after`."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        last, pages, new, n = conn.execute(
            "select max(id), sum(pages), sum(reports_new), count(*) from crawl_runs where id > ?",
            [after]).fetchone()
    return last or after, pages or 0, new or 0, n


def tree_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20 if path.exists() else 0.0


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def search_latencies(db: Path, env: dict[str, str]) -> tuple[list[tuple[str, str, float, float]], float]:
    """Start `xxgk serve`, time the searches; (rows of (class, query, p50, p95)), serve peak RSS."""
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "xxgk", "serve", "--db", str(db), "--port", str(port)],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/{db.stem}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                get(f"http://127.0.0.1:{port}/-/versions.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit("xxgk serve did not start: " + log.read().decode(errors="replace")[-2000:])
                time.sleep(0.5)
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            agency, index_no = conn.execute(
                "select agency, index_no from reports where index_no is not null and agency is not null"
                " order by rowid limit 1 offset (select count(*) / 2 from reports)").fetchone()
        queries = [("broad", "公开"), ("broad", "政府信息 公开"), ("selective", agency), ("selective", index_no)]
        rows = []
        for klass, q in queries:
            url = f"{base}/reports.json?{urllib.parse.urlencode({'_search': q, '_size': '50'})}"
            get(url)
            times = []
            for _ in range(SEARCH_REPEAT):
                t0 = time.perf_counter()
                get(url)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            rows.append((klass, q, statistics.median(times), times[int(round(0.95 * (len(times) - 1)))]))
        return rows, tree_hwm_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--reports-per-portal", type=int, default=5000)
    parser.add_argument("--parallel", type=int, default=8, help="crawls at once (xxgk crawl --parallel)")
    parser.add_argument("--dir", type=Path, help="where the archive goes (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the archive and the export")
    args = parser.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="xxgk-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    db, export_dir, reg = work / "archive.db", work / "export", work / "portals.yaml"
    total = args.portals * args.reports_per_portal
    print(f"{args.portals} portals × {args.reports_per_portal} reports = {total:,} reports; "
          f"--parallel {args.parallel}; archive {db}", flush=True)
    load = os.getloadavg()
    results: dict[str, dict[str, Any]] = {}
    try:
        with contextlib.ExitStack() as stack:
            portals = []
            for i in range(args.portals):
                portal = build_demo_portal(seed=3000 + i, n_reports=args.reports_per_portal)
                base = stack.enter_context(serve_portal(portal))
                portals.append((f"gen{i:03d}", base + portal.start_paths[0]))
            write_registry(reg, portals)
            env = dict(os.environ, XXGK_REGISTRY=str(reg), XXGK_CRAWL_PARALLEL=str(args.parallel))
            crawl = [sys.executable, "-m", "xxgk", "crawl", "--all", "--db", str(db), "-q"]
            last = 0
            for stage in ("crawl", "re-crawl"):
                print(f"{stage} …", flush=True)
                result = run_stage(crawl, env, db, total if stage == "crawl" else 0)
                last, pages, new, n = runs_since(db, last)
                result.update(pages=pages, reports_new=new, runs=n)
                results[stage] = result
                print(f"  {result['wall']:.0f} s, exit {result['code']}, {pages:,} pages, {new:,} new reports, "
                      f"{n} runs, peak RSS {result['peak_mb']:.0f} MB", flush=True)
                if result["code"] != 0:
                    print(result["output"][-3000:], file=sys.stderr)
        print("export …", flush=True)
        results["export"] = run_stage([sys.executable, "-m", "xxgk", "export", "--db", str(db),
                                       "--out", str(export_dir), "--no-date"], dict(os.environ))
        print(f"  {results['export']['wall']:.0f} s, exit {results['export']['code']}", flush=True)
        print("serve + search …", flush=True)
        t0 = time.perf_counter()
        searches, serve_mb = search_latencies(db, dict(os.environ))
        serve_wall = time.perf_counter() - t0
        stored = count_reports(db)
        sizes = {"archive.db (+WAL)": tree_mb(db) + tree_mb(Path(f"{db}-wal")),
                 "WARC files": tree_mb(work / "archive.warc"), "CSV export": tree_mb(export_dir)}
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()

    print(f"\n## scale_bench: {args.portals} portals × {args.reports_per_portal} reports "
          f"({stored:,} reports stored), --parallel {args.parallel}")
    print(f"load average before {load[0]:.1f}, after {load_after[0]:.1f} ({os.cpu_count()} cores)\n")
    print("| stage | wall | pages | pages/s | peak RSS, largest process | peak RSS, all its processes "
          "(sum of peaks) | peak PSS, all its processes together |")
    print("|---|---|---|---|---|---|---|")
    for stage in ("crawl", "re-crawl"):
        r = results[stage]
        print(f"| {stage} (`xxgk crawl --all`, {r['runs']} runs, exit {r['code']}) | {r['wall']:.1f} s | "
              f"{r['pages']:,} | {r['pages'] / r['wall']:.1f} | {r['peak_mb']:.0f} MB | {r['tree_mb']:.0f} MB | "
              f"{r['pss_mb']:.0f} MB |")
    r = results["export"]
    print(f"| export (`xxgk export`, exit {r['code']}) | {r['wall']:.1f} s | | | {r['peak_mb']:.0f} MB | "
          f"{r['tree_mb']:.0f} MB | {r['pss_mb']:.0f} MB |")
    print(f"| serve + {len(searches) * (SEARCH_REPEAT + 1)} searches (`xxgk serve`) | {serve_wall:.1f} s | | | | "
          f"{serve_mb:.0f} MB | |")
    print("\n| first crawl, peak RSS so far at | " + " | ".join(f"{int(s * 100)} % of reports" for s in MARKS) + " |")
    print("|---|" + "---|" * len(MARKS))
    for label, key in MEMORY_ROWS:
        marks = results["crawl"][key]
        print(f"| {label} | " + " | ".join(f"{marks[s]:.0f} MB" for s in MARKS) + " |")
    print()
    for label, key in MEMORY_ROWS:
        marks = results["crawl"][key]
        flat = marks[1.0] / marks[0.10] if marks.get(0.10) else float("nan")
        print(f"{label}: 100 % / 10 %: {flat:.2f}× (target ≤ 1.3×); "
              f"peak ≤ 300 MB: {'yes' if marks[1.0] <= 300 else 'no'}")
    print("\n| search (`reports.json?_search=…&_size=50`, 20 runs) | query | p50 | p95 |")
    print("|---|---|---|---|")
    for klass, q, p50, p95 in searches:
        print(f"| {klass} | {q} | {p50:.1f} ms | {p95:.1f} ms |")
    print("\n| size | MB |")
    print("|---|---|")
    for name, mb in sizes.items():
        print(f"| {name} | {mb:.1f} |")
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "output"} for k, v in results.items()},
                     default=str), file=sys.stderr)


if __name__ == "__main__":
    main()
