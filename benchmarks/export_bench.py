"""CSV snapshot of a large archive: 100,000 reports with their cells.

Builds (once per run, in a temp dir) an archive with the project's schema holding N
generated reports and 84 cells each (the pre-2019 table), then times `export_archive`.
Baseline, in the same process: reading every row of the same tables without writing
anything. Printed: both times, rows, the ratio, and whether the one-minute goal holds.

    .venv/bin/python benchmarks/export_bench.py [--reports 100000]
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from storage.archive import Archive
from storage.search import register_functions
from storage.versions import register as register_versions
from pipelines.templates import PRE2019_ROWS
from xxgk.export import export_archive

AGENCIES = ["财政局", "教育局", "民政局", "统计局", "交通运输局", "环境保护局", "审计局", "农业局"]
CITIES = ["江澜市", "青禾县", "澄湖市", "云岭县", "彩云州", "白沙镇"]


def build(path: Path, n: int, seed: int = 7) -> None:
    Archive(path).close()  # the real schema, indexes and FTS triggers
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    register_functions(conn)  # the search index's triggers call it
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    paths = []
    stack: dict[int, str] = {}
    for depth, label, unit in PRE2019_ROWS:
        stack = {d: v for d, v in stack.items() if d < depth}
        stack[depth] = label
        paths.append((json.dumps([stack[d] for d in sorted(stack)], ensure_ascii=False), label, unit))
    with conn:  # cells: a view over labels and cell_values (migration 4); each label path once
        label_ids = [conn.execute("insert into labels (table_name, row_path, column_path, row_label, column_label) "
                                  "values (?, ?, ?, ?, ?)", ("政府信息公开情况统计表", row_path, '["统计数"]', label,
                                                            "统计数")).lastrowid for row_path, label, _unit in paths]
    batch_reports, batch_cells = [], []
    for i in range(n):
        agency = rng.choice(CITIES) + rng.choice(AGENCIES)
        year = rng.randint(2008, 2018)
        rid = f"{i:016x}"
        body = f"{agency}{year}年政府信息公开工作年度报告。" + "本年度主动公开政府信息，依申请公开办理，行政复议与诉讼情况如下。" * 20
        batch_reports.append((rid, f"http://demo.xxgk.invalid/art/{i}.html", "bench",
                              f"{agency}{year}年政府信息公开工作年度报告", agency, year, "pre2019", body))
        for seq, (row_path, label, unit) in enumerate(paths):
            value = rng.randint(0, 500) if rng.random() < 0.5 and unit != "——" else None
            batch_cells.append((rid, seq, label_ids[seq], unit, value, "" if value is None else str(value)))
        if len(batch_reports) >= 5000 or i == n - 1:
            with conn:
                conn.executemany("insert into reports (id, url, portal, title, agency, report_year, template, body_text)"
                                 " values (?,?,?,?,?,?,?,?)", batch_reports)
                conn.executemany("insert into cell_values (report_id, seq, label_id, unit, value, raw)"
                                 " values (?,?,?,?,?,?)", batch_cells)
            batch_reports, batch_cells = [], []
    conn.close()


def read_all(path: Path) -> int:
    conn = sqlite3.connect(path)
    register_versions(conn)  # the report_versions view's
    rows = 0
    for table in ("reports", "cells", "checks", "fetches", "crawl_runs", "report_versions", "report_changes"):
        for _row in conn.execute(f"select * from [{table}]"):
            rows += 1
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.db"
        t0 = time.perf_counter()
        build(db, args.reports)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = read_all(db)
        baseline = time.perf_counter() - t0
        t0 = time.perf_counter()
        folder = export_archive(db, Path(tmp) / "out")
        export = time.perf_counter() - t0
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        size = sum(p.stat().st_size for p in folder.iterdir())
    print(f"archive: {args.reports} reports, {manifest['tables']['cells']['rows']} cells, built in {built:.1f} s")
    print(f"baseline (read every row, write nothing): {baseline:.1f} s for {rows} rows")
    print(f"export_archive: {export:.1f} s, {size / 1e6:.0f} MB of CSV")
    print(f"ratio export / baseline: {export / baseline:.2f}x; under one minute: {export < 60}")


if __name__ == "__main__":
    main()
