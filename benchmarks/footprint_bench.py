"""Archive footprint: bytes per report by object, the compact layout against the earlier one, and
what journalists run on both, as ratios (issue #17).

In one run:

1. N reports of a generated portal (`xxgk.portal`, default 20,000) are extracted from its pages
   and archived by the archive writer (the compact layout: labels, cell_values and version_store
   behind the cells and report_versions views), with a fetches row each, as a crawl writes them;
   a share of them (`--changed`, e.g. 0.1; none by default) is archived again with changed content, so that
   it has an earlier version (kept compressed: storage/versions.py);
2. the same archive is rewritten in the earlier layout (before migration 4): `cells` and
   `report_versions` as tables with that layout's keys and indexes, every version's JSON stored,
   JSON written as the earlier writer wrote it; both files are VACUUMed and copied (`rewrite`);
3. it prints bytes per report by object (SQLite's dbstat) for both, and times on both the
   canned questions, the report page, the search benchmark's queries and a full CSV export,
   each as a ratio new / old (targets: ≤ 25 KB per report, no ratio above 1.1), and checks that
   the two exports are byte-identical, file by file.

    .venv/bin/python benchmarks/footprint_bench.py [--reports 20000] [--changed 0.1] [--rounds 2] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipelines.report import extract_bytes  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.search import search_reports  # noqa: E402
from storage.versions import register as register_versions  # noqa: E402
from xxgk import ui  # noqa: E402
from xxgk.export import export_archive  # noqa: E402
from xxgk.portal import build_demo_portal  # noqa: E402
from xxgk.serve import datasette_metadata  # noqa: E402

# The earlier layout of the two tables migration 4 replaced, as that schema created them.
OLD_LAYOUT = [
    "CREATE TABLE [cells_old] ([report_id] TEXT, [table_name] TEXT, [row_path] TEXT, [column_path] TEXT, "
    "[row_label] TEXT, [column_label] TEXT, [unit] TEXT, [value] ANY, [raw] TEXT, [seq] INTEGER, "
    "PRIMARY KEY ([report_id], [table_name], [row_path], [column_path]))",
    "CREATE TABLE [report_versions_old] ([report_id] TEXT, [version] INTEGER, [content_sha256] TEXT, [url] TEXT, "
    "[first_seen] TEXT, [last_seen] TEXT, [data_json] TEXT, PRIMARY KEY ([report_id], [version]))",
]
SEARCHES = ["复议", "公开", "政府信息", "局", "行政复议 预算", "殡葬", "渔政 公开", "12330800"]


def build(db: Path, n: int, changed: float = 0.0) -> int:
    """N reports; a share `changed` of them archived again with changed content (a correction
    added to the body, one cell's printed value), so that they have an earlier version."""
    portal = build_demo_portal(n_reports=n)
    every = round(1 / changed) if changed > 0 else 0
    reports = 0
    t0 = time.perf_counter()
    with Archive(db, batch_size=400) as archive:
        for start in range(0, portal.total_records, 500):
            for entry in portal.entries(start, start + 500):
                status, headers, body = portal.handle("GET", entry.art_path)
                if status != 200:
                    continue
                url = "https://www.example.gov.cn" + entry.art_path
                extraction = extract_bytes(body, url, headers.get("Content-Type"))
                archive.record_fetch(url=url, status=200, content_type=headers.get("Content-Type"), body=body)
                if extraction.is_report:
                    archive.save_report(url=url, portal="bench", extraction=extraction,
                                        capture={"file": "bench.warc.gz", "offset": reports})
                    reports += 1
                    if every and reports % every == 0:
                        extraction.body_text += "\n（本报告于次年更正。）"
                        if extraction.cells:
                            extraction.cells[-1].raw = (extraction.cells[-1].raw or "") + "（更正）"
                        archive.save_report(url=url, portal="bench", extraction=extraction,
                                            fetched_at="2030-01-01T00:00:00Z",
                                            capture={"file": "bench.warc.gz", "offset": reports})
            print(f"  built {reports:,} reports ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return reports


def to_old_layout(new: Path, old: Path) -> None:
    """The same archive as the earlier schema stored it."""
    shutil.copy(new, old)
    conn = sqlite3.connect(old)
    register_versions(conn)
    conn.create_function("spaced_json", 1, lambda text: text and json.dumps(json.loads(text), ensure_ascii=False))
    with conn:
        for sql in OLD_LAYOUT:
            conn.execute(sql)
        # in the order the earlier writer inserted them: a report's cells with its newest version
        conn.execute("insert into cells_old select c.report_id, table_name, row_path, column_path, row_label, "
                     "column_label, unit, value, raw, seq from cells c join reports r on r.id = c.report_id "
                     "join version_store s on s.report_id = r.id and s.version = r.version order by s.rowid, c.seq")
        conn.execute("insert into report_versions_old (rowid, report_id, version, content_sha256, url, first_seen, "
                     "last_seen, data_json) select s.rowid, v.report_id, v.version, v.content_sha256, v.url, "
                     "v.first_seen, v.last_seen, spaced_json(v.data_json) from report_versions v join version_store s "
                     "on s.report_id = v.report_id and s.version = v.version order by s.rowid")
        conn.execute("drop view cells")
        conn.execute("drop view report_versions")
        for table in ("cell_values", "labels", "version_store"):
            conn.execute(f"drop table {table}")
        conn.execute("alter table cells_old rename to cells")
        conn.execute("alter table report_versions_old rename to report_versions")
        conn.execute("create index idx_cells_report_id on cells (report_id)")
    conn.close()


def vacuum(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.execute("vacuum")
    conn.close()


def rewrite(db: Path) -> None:
    """The file written again by a plain copy. The archive writer built the new file in small
    random writes and the old one was copied; the OS then holds their cached pages differently,
    and scans of the same table, byte for byte, measured 1.2-1.6x slower on the writer's file
    than on a copy of it. Copied, both files start alike."""
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    copy = db.with_name(db.name + ".copy")
    shutil.copyfile(db, copy)
    os.replace(copy, db)


def sizes(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("select name, sum(pgsize) from dbstat group by name"))
    finally:
        conn.close()


def timed(fn, repeat: int = 3) -> float:
    best = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t0)
    return min(best)


def canned(conn: sqlite3.Connection) -> dict[str, tuple[str, dict]]:
    queries = datasette_metadata("archive")["databases"]["archive"]["queries"]
    out = {}
    for name, query in queries.items():
        params = {p: "" for p in re.findall(r"(?<!:):(\w+)", query["sql"])}
        if "q" in params:
            params["q"] = "复议"
        out[name] = (query["sql"], params)
    return out


def workload(db: Path, report_ids: list[str], export: bool = True) -> dict[str, float]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    from storage.search import register_query_functions
    register_query_functions(conn)
    register_versions(conn)  # as reader_plugin does
    conn.create_function("xxgk_change", 2, ui.change_text, deterministic=True)  # as reader_plugin does
    times = {}
    try:
        for name, (sql, params) in canned(conn).items():
            times[f"question: {name}"] = timed(lambda: conn.execute(sql, params).fetchall())
        times["report page (50 reports)"] = timed(lambda: [ui.report_page(conn, r) for r in report_ids])
        for q in SEARCHES:
            times[f"search: {q}"] = timed(lambda: search_reports(conn, q))
    finally:
        conn.close()
    if export:
        with tempfile.TemporaryDirectory() as out:
            times["full CSV export"] = timed(lambda: export_archive(db, out, dated_subfolder=False), repeat=1)
    return times


def export_files(db: Path, out: Path) -> dict[str, bytes]:
    """Each CSV file of a full export, as bytes."""
    folder = export_archive(db, out, dated_subfolder=False)
    return {path.stem: path.read_bytes() for path in sorted(folder.glob("*.csv"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--changed", type=float, default=0.0,
                        help="share of reports archived a second time with changed content, e.g. 0.1 (default 0)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved rounds of the queries and pages, 3 timings each (default 2)")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep both archives")
    args = parser.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="footprint-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    new, old = tmp / "new.db", tmp / "old.db"
    for path in (new, old):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    try:
        reports = build(new, args.reports, args.changed)
        to_old_layout(new, old)
        vacuum(new)
        vacuum(old)
        rewrite(new)
        rewrite(old)
        size_new, size_old = sizes(new), sizes(old)
        total_new, total_old = sum(size_new.values()), sum(size_old.values())
        conn = sqlite3.connect(new)
        earlier = conn.execute("select count(*) from version_store s join reports r on r.id = s.report_id "
                               "and s.version < r.version").fetchone()[0]
        conn.close()
        print(f"{reports:,} reports, {earlier:,} earlier versions; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} CPUs)")
        print(f"database: earlier layout {total_old / reports / 1024:.1f} KB/report, "
              f"compact layout {total_new / reports / 1024:.1f} KB/report (target <= 25)")
        print(f"{'object':34} {'old B/report':>13} {'new B/report':>13}")
        for name in sorted(set(size_old) | set(size_new), key=lambda n: -max(size_old.get(n, 0), size_new.get(n, 0))):
            a, b = size_old.get(name, 0), size_new.get(name, 0)
            if max(a, b) / reports >= 256:
                print(f"{name:34} {a / reports:13,.0f} {b / reports:13,.0f}")
        conn = sqlite3.connect(new)
        ids = [r for (r,) in conn.execute("select id from reports")]
        conn.close()
        sample = random.Random(17).sample(ids, min(50, len(ids)))
        # Interleaved, best of each: on a shared machine the load moves between runs.
        times_old, times_new = workload(old, sample), workload(new, sample)
        for _ in range(args.rounds - 1):
            again_old, again_new = workload(old, sample), workload(new, sample)
            for name in again_old:
                times_old[name] = min(times_old[name], again_old[name])
                times_new[name] = min(times_new[name], again_new[name])
        best = f"best of {3 * args.rounds}, export of {args.rounds}, interleaved"
        print(f"{'timing (' + best + ')':40} {'old ms':>9} {'new ms':>9} {'new/old':>8}")
        worst = 0.0
        conn = sqlite3.connect(new)
        # Queries that read neither view (cells, report_versions) read the same tables, byte for
        # byte, in both files: their ratio can only be noise (marked *).
        same = {f"question: {name}" for name, (sql, _) in canned(conn).items()
                if not re.search(r"\b(cells|report_versions)\b", sql)} | {f"search: {q}" for q in SEARCHES}
        conn.close()
        for name, t_old in times_old.items():
            t_new = times_new[name]
            ratio = t_new / t_old if t_old else float("nan")
            worst = max(worst, ratio)
            mark = "*" if name in same else " "
            print(f"{name[:39]:39}{mark} {t_old * 1000:9.1f} {t_new * 1000:9.1f} {ratio:8.2f}")
        print("* reads only tables that are the same in both layouts (a ratio away from 1 is noise)")
        views = [times_new[n] / times_old[n] for n in times_old if n not in same and times_old[n]]
        print(f"slowest ratio of what reads the views (no *): {max(views):.2f}")
        print(f"slowest ratio: {worst:.2f} (target <= 1.1)")
        a, b = export_files(old, tmp / "export-old"), export_files(new, tmp / "export-new")
        same = [t for t in a if a[t] == b.get(t)]
        differ = sorted(set(a) ^ set(b) | {t for t in a if t in b and a[t] != b[t]})
        print(f"CSV exports: {len(same)} of {len(set(a) | set(b))} files byte-identical"
              + (f"; differing: {', '.join(differ)}" if differ else ""))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
