"""Datasette over the archive, with the project's metadata, facets, search and canned queries.

Datasette keys metadata by database name (the file's stem), so the metadata is generated for
each database rather than shipped as a fixed file. `datasette_command` writes it outside the
archive's folder (which may be read-only or under version control), into a private folder of
its own made by `tempfile.mkdtemp` (mode 0700, a fresh random name): a fixed path in the shared
temp folder let another local user create that folder first and swap the file or plant a
symlink. Datasette reads the file once at start-up; the folder is removed when the process
that wrote it exits.
"""
from __future__ import annotations

import atexit
import json
import os
import pathlib
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from typing import Any

from pipelines.model import INDICATOR_KEYS
from storage.queries import CRAWL_HEALTH_SQL, REMOVED_REPORTS_SQL, REPORTS_BY_YEAR_SQL, YEAR_OVER_YEAR_SQL
from storage.schema import STORAGE_TABLES
from storage.schema import TABLES as SCHEMA
from storage.search import SEARCH_SQL, ensure_grams_index, grams_index_current
# Questions whose answers keep blanks apart from 0, read years as typed and name the failed
# rule in Chinese (xxgk/questions.py: they use the UI's labels, above the storage layer).
from xxgk.questions import (APPEALS_BY_AGENCY_SQL, APPLICATIONS_BY_AGENCY_SQL,
                            CHANGED_REPORTS_SQL, INCONSISTENT_REPORTS_SQL)


TITLE = "xxgk archive — 政府信息公开工作年度报告"

SETTINGS: dict[str, str] = {
    "suggest_facets": "off",
    "sql_time_limit_ms": "5000",
    "facet_time_limit_ms": "1000",
    # 0 = no cap: the CSV download (?_stream=on) returns whole tables; datasette's default
    # of 100 MB silently truncates a big cells table.
    "max_csv_mb": "0",
    "default_page_size": "50",
    "default_facet_size": "30",
    "truncate_cells_html": "300",
    "max_returned_rows": "2000",
}


def datasette_metadata(db_name: str = "archive") -> dict[str, Any]:
    """Metadata for datasette: descriptions (中文 / English, units), facets, search, queries."""
    # Presentation per table; descriptions of tables and columns come from storage/schema.py.
    presentation: dict[str, dict[str, Any]] = {
        "reports": {
            "label_column": "title",
            "sort_desc": "report_year",  # newest first in the results list
            "fts_table": "reports_fts",
            "fts_pk": "rowid",
            # `failed_checks` is the pages plugin's facet type (xxgk/pages_plugin.py): checks_count
            # > 0 as yes / no.
            "facets": ["agency", "report_year", "template", "portal", "province", "city", "level",
                       {"failed_checks": "checks_count"}],
            # "id" too: the table page's own search/filter form submits _sort=id (the primary
            # key, its default order); without it submitting the search box is an error 500.
            "sortable_columns": ["id", "title", "agency", "report_year", "template", "portal",
                                 "written_date", "published_date", "signed_date", "first_seen",
                                 "last_seen", "version", "checks_count", *INDICATOR_KEYS],
        },
        "cells": {"facets": ["table_name", "unit"]},
        "checks": {"facets": ["check", "kind"]},
        "fetches": {"facets": ["status", "content_type"]},
        "crawl_runs": {"facets": ["portal", "status"]},
        "portal_checks": {"facets": ["portal", "reachable", "family_matches"]},
        "report_versions": {},
        "report_changes": {"facets": ["kind"]},
        "attachments": {"facets": ["content_type", "used_for_report"]},
    }
    tables = {name: {"description": table.description, **presentation.get(name, {}),
                     "columns": table.descriptions()}
              for name, table in SCHEMA.items()}
    # The compact storage behind the cells and report_versions views: described, not listed.
    tables.update({name: {"description": table.description, "hidden": True, "columns": table.descriptions()}
                   for name, table in STORAGE_TABLES.items()})
    queries = {
        "reports_by_year": {
            "title": "按年度统计 / reports by year",
            "description": "每个报告年度的报告数、机关数与主要指标合计 / reports, agencies and indicator totals per year",
            "sql": REPORTS_BY_YEAR_SQL,
        },
        "applications_by_agency": {
            "title": "各机关某年收到的申请数 / applications received by agency in a year",
            "description": "选定年度（留空为最近一年）各机关本年新收、上年结转、办结与结转下年的政府信息公开申请数，从多到少 / "
            "for the chosen year (blank: the latest), requests received, carried over, answered and "
            "carried to next year, per agency, most first",
            "sql": APPLICATIONS_BY_AGENCY_SQL,
        },
        "year_over_year_changes": {
            "title": "申请数同比变化最大 / biggest year-over-year changes in applications received",
            "description": "各机关本年新收申请数与上一年度相比的变化（件数与百分比），按变化幅度排序；只比较相邻年度 / "
            "each agency's requests received against the year before (count and percent), "
            "largest change first; consecutive years only",
            "sql": YEAR_OVER_YEAR_SQL,
        },
        "inconsistent_reports": {
            "title": "数字对不上的报告 / reports whose numbers do not add up",
            "description": "统计表勾稽关系校验未通过的报告，每份报告每条规则一行：规则、位置、等式两边各是多少 / "
            "reports failing the statistics tables' consistency checks, one row per rule and report: "
            "the rule, where, and the value of each side of the equation",
            "sql": INCONSISTENT_REPORTS_SQL,
        },
        "appeals_by_agency": {
            "title": "行政复议与行政诉讼最多的机关 / agencies with the most reconsiderations and lawsuits",
            "description": "各机关因政府信息公开被申请行政复议、提起行政诉讼的合计，从多到少；年度留空为全部年份 / "
            "administrative reconsiderations and lawsuits over disclosure per agency, most first; "
            "leave the year blank for all years",
            "sql": APPEALS_BY_AGENCY_SQL,
        },
        "removed_reports": {
            "title": "已从门户删除的报告 / reports removed from portals",
            "description": "抓取时已不在门户栏目列表中的报告（存档仍保留原件），按删除时间倒序 / reports "
            "no longer listed by their portal's column (the archive keeps the original), most "
            "recently removed first",
            "sql": REMOVED_REPORTS_SQL,
        },
        "changed_reports": {
            "title": "内容有变化的报告 / reports whose content changed",
            "description": "门户上被修改过的报告：哪一版、改了哪个字段或单元格、改了什么 / reports the portal "
            "revised after they were first archived: which version, which field or cell, what changed",
            "sql": CHANGED_REPORTS_SQL,
        },
        "crawl_health": {
            "title": "门户抓取健康状况 / crawl health per portal",
            "description": "各门户最近的抓取：列表中的报告数、新增、变更、未变、将标为删除，以及可疑批次（任一栏目列表骤减或删除过多时不标记删除）；"
            "有多个栏目的门户，每批次下另列各栏目的数字 / "
            "each portal's runs, newest first: reports listed, new, changed, unchanged and would-be-removed, "
            "the change in reports listed, and suspect runs (any column listing far fewer or losing too many; "
            "they mark nothing removed); a portal of several columns has a row per column under each run",
            "sql": CRAWL_HEALTH_SQL,
        },
        "search": {
            "title": "全文搜索（任意长度词语）/ search, words of any length",
            "description": "三字及以上用全文索引，一两个字逐字匹配，如 复议、预算 / 3+ characters use the trigram index, 1–2 characters a substring match",
            "sql": SEARCH_SQL,
        },
    }
    return {
        "title": TITLE,
        "description": "各级政府及其部门发布的政府信息公开工作年度报告，含统计表逐格数据与勾稽校验 / "
        "Chinese government information-disclosure annual reports, with every statistics-table "
        "cell and the consistency checks that failed.",
        "source": "各级人民政府及其部门网站「政府信息公开」栏目 / government portals' information-disclosure columns",
        "license": "政府公开信息，转载请注明来源 / public government information; cite the source portal",
        "databases": {db_name: {"tables": tables, "queries": queries}},
    }


def database_name(db: str | os.PathLike) -> str:
    """The name datasette gives a database file: its stem."""
    return pathlib.Path(db).stem


def write_metadata(db: str | os.PathLike) -> pathlib.Path:
    """Write the metadata for `db` into a new private folder (see the module docstring)."""
    folder = tempfile.mkdtemp(prefix="xxgk-metadata-")
    atexit.register(shutil.rmtree, folder, True)
    path = pathlib.Path(folder) / f"{database_name(db)}.metadata.json"
    # O_EXCL | O_NOFOLLOW: a new file, never one someone placed there
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(datasette_metadata(database_name(db)), fh, ensure_ascii=False, indent=2)
    return path


def datasette_command(db: str, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The datasette command line for `db`; writes its metadata file as a side effect."""
    metadata = write_metadata(db)
    command = [sys.executable, "-m", "datasette", "serve", str(db), "--metadata", str(metadata),
               "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    # The project's datasette plugins (xxgk.search_plugin, xxgk.pages_plugin,
    # xxgk.security_plugin) are loaded by datasette itself through the package's entry points
    # (pyproject.toml).
    return command


def ensure_search_index(db: str | os.PathLike) -> None:
    """Give an archive written before the short-word index its index (once, ~15 s per 100k).

    A read-only file is served as it is: `?_search=` then scans for short words (slower) and
    the ranked `search` query, which needs the index, fails.
    """
    if not os.path.isfile(db):
        return
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        is_archive = conn.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'reports'").fetchone()
        if not is_archive or grams_index_current(conn):
            return
        print("xxgk: building the short-word search index (once) …", file=sys.stderr, flush=True)
        ensure_grams_index(conn)
    except sqlite3.Error as exc:
        print(f"xxgk: could not build the short-word search index: {exc}", file=sys.stderr)
    finally:
        conn.close()


def serve(db: str, host: str = "127.0.0.1", port: int = 8001) -> int:
    """Run datasette in the foreground until it exits or Ctrl-C (then 0); its exit code."""
    if not os.path.isfile(db):
        raise FileNotFoundError(f"no archive at {db}: crawl first (xxgk crawl / xxgk demo) or pass --db")
    ensure_search_index(db)
    process = subprocess.Popen(datasette_command(db, host, port))
    # `kill PID` (a service manager, a test) must not leave datasette running on its own.
    signal.signal(signal.SIGTERM, lambda signum, _frame: process.send_signal(signum))
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached datasette too (same process group); give it time to stop cleanly.
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return 0
