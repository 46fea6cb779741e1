"""`export_archive`: one BOM'd CSV per table plus a manifest that matches the files."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage import archive, versions
from storage.archive import Archive
from pipelines.model import INDICATOR_KEYS, Cell, Check, Extraction
from xxgk.export import export_archive

TABLES = set(archive.TABLES)  # every archive table; FTS shadow tables are not exported


def make_extraction(agency: str, proactive: int) -> Extraction:
    indicators: dict[str, Any] = {key: None for key in INDICATOR_KEYS}
    indicators.update(proactive_disclosed=proactive, fees_collected=0.35)
    return Extraction(
        source="test", is_report=True, title=f"{agency}2019年政府信息公开工作年度报告",
        agency=agency, report_year=2019, template="2019",
        cells=[Cell("主动公开政府信息情况", ["第二十条第（一）项", "规章"], ["本年制发件数"],
                    "件", proactive, str(proactive)),
               Cell("收费", ["依申请公开收取的费用"], ["金额"], "万元", 0.35, "0.35"),
               Cell("收费", ["备注"], ["金额"], None, None, "")],
        indicators=indicators,
        checks=[Check("总计＝各项之和", 5, 4, {"table": "收费"}, "mismatch")],
        body_text=f"{agency}：本年度行政复议 0 件，“引号”与逗号, 换行\n第二行。",
    )


@pytest.fixture
def archive_db(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        run = archive.start_run("demo")
        archive.save_report(url="https://a.gov.cn/1.html", portal="demo",
                            extraction=make_extraction("衢州市财政局", 3))
        archive.save_report(url="https://a.gov.cn/2.html", portal="demo",
                            extraction=make_extraction("衢州市统计局", 4))
        archive.save_report(url="https://a.gov.cn/2.html", portal="demo",
                            extraction=make_extraction("衢州市统计局", 5))  # a second version
        archive.record_fetch(url="https://a.gov.cn/1.html", status=200,
                             content_type="text/html; charset=utf-8", body="页面".encode())
        archive.finish_run(run, status="finished", pages=1, reports_new=2, reports_changed=1,
                           errors=0)
    return path


def db_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    versions.register(conn)  # the report_versions view calls it
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_every_table_with_bom_and_a_true_manifest(archive_db: Path,
                                                              tmp_path: Path) -> None:
    folder = export_archive(archive_db, tmp_path / "exports")
    assert folder.parent == tmp_path / "exports"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z", folder.name)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["database"] == "archive.db"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["exported_at"])
    assert set(manifest["tables"]) == TABLES  # no reports_fts or its shadow tables
    assert {p.name for p in folder.iterdir()} == {f"{t}.csv" for t in TABLES} | {"manifest.json"}

    counts = db_counts(archive_db)
    assert counts["report_versions"] == 3 and counts["reports"] == 2
    for table, entry in manifest["tables"].items():
        path = folder / entry["file"]
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), table
        assert entry["sha256"] == hashlib.sha256(raw).hexdigest()
        rows = read_csv(path)
        assert len(rows) == entry["rows"] == counts[table], table
        names = [c["name"] for c in entry["columns"]]
        with open(path, encoding="utf-8-sig", newline="") as handle:
            assert next(csv.reader(handle)) == names
        assert all(c["type"] for c in entry["columns"])


def test_chinese_text_round_trips(archive_db: Path, tmp_path: Path) -> None:
    folder = export_archive(archive_db, tmp_path, dated_subfolder=False)
    assert folder == tmp_path
    conn = sqlite3.connect(archive_db)
    conn.row_factory = sqlite3.Row
    try:
        for table in ("reports", "cells", "checks"):
            exported = read_csv(folder / f"{table}.csv")
            # cells, a view since migration 4: in the order the writer wrote them (with the report's
            # newest version), as the table was
            query = (f"select * from {table} order by rowid" if table != "cells" else
                     "select c.* from cells c join reports r on r.id = c.report_id join version_store s "
                     "on s.report_id = r.id and s.version = r.version order by s.rowid, c.seq")
            stored = [dict(r) for r in conn.execute(query)]
            assert len(stored) == len(exported) > 0, table
            for got, want in zip(exported, stored):
                for key, value in want.items():
                    assert got[key] == ("" if value is None else str(value)), (table, key)
    finally:
        conn.close()
    reports = {r["agency"]: r for r in read_csv(folder / "reports.csv")}
    assert reports["衢州市统计局"]["body_text"].endswith("换行\n第二行。")
    assert reports["衢州市统计局"]["proactive_disclosed"] == "5"
    assert reports["衢州市财政局"]["fees_collected"] == "0.35"
    cells = read_csv(folder / "cells.csv")
    assert json.loads(cells[0]["row_path"]) == ["第二十条第（一）项", "规章"]
    versions = read_csv(folder / "report_versions.csv")
    assert sorted(json.loads(v["data_json"])["indicators"]["proactive_disclosed"]
                  for v in versions) == [3, 4, 5]


def test_export_is_one_snapshot_while_a_writer_is_busy(archive_db: Path, tmp_path: Path) -> None:
    before = db_counts(archive_db)
    writer = sqlite3.connect(archive_db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("insert into crawl_runs (portal, status) values ('other', 'running')")
        writer.execute("delete from cell_values")
        folder = export_archive(archive_db, tmp_path)  # does not wait for, or see, the writer
        writer.execute("COMMIT")
    finally:
        writer.close()
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert {t: e["rows"] for t, e in manifest["tables"].items()} == before


def test_two_exports_in_one_second_do_not_overwrite(archive_db: Path, tmp_path: Path) -> None:
    first = export_archive(archive_db, tmp_path)
    second = export_archive(archive_db, tmp_path)
    assert first != second and (first / "manifest.json").exists()
    assert (second / "manifest.json").exists()


def test_missing_database(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        export_archive(tmp_path / "nope.db", tmp_path / "out")
    assert not (tmp_path / "out").exists()
