"""Datasette over the archive, with the project's metadata, facets, search and canned queries.

Datasette keys metadata by database name (the file's stem), so the metadata is generated for
each database rather than shipped as a fixed file. `datasette_command` writes it to a stable
path outside the archive's folder, which may be read-only or under version control:
``<tempdir>/xxgk-archive/<stem>-<8 hex of the db's absolute path>.metadata.json``
(`metadata_path_for`). Datasette reads it once at start-up.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import tempfile
from typing import Any, Optional

from pipelines.model import INDICATOR_KEYS
from storage.search import SEARCH_SQL, ensure_grams_index, has_grams_index

# The datasette plugin (any-length ?_search= on reports, the ranked search query's functions).
PLUGIN_MODULE = "xxgk.search_plugin"
PLUGINS_DIR = pathlib.Path(__file__).resolve().parent / "datasette_plugins"

TITLE = "xxgk archive — 政府信息公开工作年度报告"

# (中文, English, unit) for each canonical indicator column.
INDICATORS: dict[str, tuple[str, str, Optional[str]]] = {
    "proactive_disclosed": ("主动公开政府信息数", "government information disclosed proactively", "条"),
    "applications_received": ("本年新收政府信息公开申请数量", "disclosure requests received this year", "件"),
    "applications_carried_over": ("上年结转政府信息公开申请数量", "requests carried over from the previous year", "件"),
    "applications_completed": ("本年度办理结果总计", "requests answered this year", "件"),
    "carried_to_next_year": ("结转下年度继续办理", "requests carried over to next year", "件"),
    "reconsideration_total": ("行政复议总计", "administrative reconsideration cases", "件"),
    "litigation_total": ("行政诉讼总计", "administrative litigation cases", "件"),
    "fees_collected": ("依申请公开收取的费用", "fees collected for disclosure on request", "元 (reports printing 万元 are converted: ×10000; cells keep the printed value and unit)"),
    "staff_count": ("从事政府信息公开工作人员数", "staff working on information disclosure (pre-2019 template only)", "人"),
}

_REPORT_BASE_COLUMNS: dict[str, str] = {
    "id": "报告编号 / stable report id: first 16 hex digits of sha256 of the canonical URL",
    "url": "报告网址 / address the report was crawled from",
    "portal": "门户 / portal (registry name) it was crawled from",
    "title": "标题 / title",
    "index_no": "索引号 / index number, as printed",
    "agency": "报告机关 / reporting body's full name",
    "publisher": "发布机构 / publisher named in the header block, as printed",
    "written_date": "成文日期 / date written (ISO)",
    "published_date": "发布日期 / date published (ISO)",
    "signed_date": "落款日期 / date under the signature (ISO)",
    "report_year": "报告年度 / year the report covers (not the year written)",
    "template": "表格模板 / statistics template: pre2019, 2019 (国办公开办函〔2019〕60号), 2021 (国办公开办函〔2021〕30号) or unknown",
    "body_text": "正文 / body text",
    "content_sha256": "内容摘要 / sha256 of the extracted content (not the raw page)",
    "first_seen": "首次抓取 / first seen (UTC)",
    "last_seen": "最近抓取 / last seen (UTC)",
    "version": "版本 / version number: 1, then +1 each time the content changed",
    "is_report": "是否为年度报告 / 1 when the page is an annual report",
    "cells_count": "单元格数 / statistics-table cells stored",
    "checks_count": "勾稽错误数 / failed consistency checks",
    "duplicate_cells": "重复单元格 / cells dropped because their label path repeated",
    "index_no_parts_json": "索引号分解 / index number parts (JSON)",
    "indicators_json": "全部指标 / all indicators (JSON)",
    "metadata_json": "信息栏 / the header block's label → value pairs (JSON)",
    "errors_json": "抽取错误 / extraction errors (JSON)",
}


def _indicator_description(key: str) -> str:
    zh, en, unit = INDICATORS.get(key, (key, key.replace("_", " "), None))
    return f"{zh} / {en}" + (f"; 单位 unit: {unit}" if unit else "")


REPORT_COLUMNS = {**_REPORT_BASE_COLUMNS,
                  **{key: _indicator_description(key) for key in INDICATOR_KEYS}}

CELL_COLUMNS = {
    "report_id": "报告编号 / reports.id",
    "table_name": "表名 / statistics table's name",
    "row_path": "行标签路径 / row labels, outermost first (JSON array)",
    "column_path": "列标签路径 / column labels, outermost first (JSON array)",
    "row_label": "行标签 / innermost row label",
    "column_label": "列标签 / innermost column label",
    "unit": "单位 / unit as printed (条, 件, 元, 万元 …)",
    "value": "数值 / number; empty for a blank cell",
    "raw": "原文 / the cell's text as printed",
    "seq": "顺序 / position in the report's cell list",
}
CHECK_COLUMNS = {
    "report_id": "报告编号 / reports.id",
    "check": "校验规则 / consistency rule (e.g. a 总计 that is not the sum of its parts)",
    "expected": "应为 / expected value",
    "found": "实为 / value printed",
    "kind": "类型 / mismatch, or missing when a total is blank",
    "detail": "位置 / where and kind (JSON)",
    "seq": "顺序 / position in the report's check list",
}
FETCH_COLUMNS = {
    "id": "编号 / hash of (url, status, sha256, error)",
    "url": "网址 / address fetched",
    "status": "HTTP 状态码 / HTTP status (empty when no response)",
    "content_type": "内容类型 / Content-Type",
    "sha256": "响应摘要 / sha256 of the response body",
    "error": "错误 / error when there was no usable response",
    "size": "字节数 / body size in bytes",
    "fetched_at": "首次获取 / first time this response was received (UTC)",
    "last_fetched_at": "最近获取 / last time this response was received (UTC)",
    "times_seen": "次数 / times this same response was received",
}
RUN_COLUMNS = {
    "id": "编号 / run id",
    "portal": "门户 / portal crawled",
    "started_at": "开始 / started (UTC)",
    "finished_at": "结束 / finished (UTC)",
    "status": "状态 / running, finished, failed …",
    "pages": "页数 / pages fetched",
    "reports_new": "新报告 / new reports",
    "reports_changed": "变更报告 / reports whose content changed",
    "errors": "错误数 / errors",
}
VERSION_COLUMNS = {
    "report_id": "报告编号 / reports.id",
    "version": "版本 / version number",
    "content_sha256": "内容摘要 / sha256 of the extracted content",
    "url": "网址 / address it was crawled from",
    "first_seen": "首次抓取 / first seen with this content (UTC)",
    "last_seen": "最近抓取 / last seen with this content (UTC)",
    "data_json": "抽取结果 / the whole extraction, cells included (JSON)",
}

REPORTS_BY_YEAR_SQL = """select report_year, count(*) as reports, count(distinct agency) as agencies,
  sum(proactive_disclosed) as proactive_disclosed, sum(applications_received) as applications_received,
  sum(reconsideration_total) as reconsideration_total, sum(litigation_total) as litigation_total,
  sum(checks_count) as failed_checks
from reports where is_report = 1 or is_report is null
group by report_year order by report_year desc"""

# The journalist questions (canned queries). Reports only: pages that were not reports stay out.
_IS_REPORT = "(is_report = 1 or is_report is null)"

APPLICATIONS_BY_AGENCY_SQL = f"""select agency, report_year, applications_received,
  applications_carried_over, applications_completed, carried_to_next_year, template, title,
  id as report_id
from reports
where {_IS_REPORT}
  and report_year = coalesce(nullif(:year, ''), (select max(report_year) from reports
                                                where applications_received is not null))
order by applications_received is null, applications_received desc, agency"""

YEAR_OVER_YEAR_SQL = f"""with yearly as (
  select agency, report_year, applications_received as value, id,
    row_number() over (partition by agency, report_year
                       order by removed_at is null desc, published_date desc, id) as pick
  from reports
  where {_IS_REPORT} and agency is not null and report_year is not null
    and applications_received is not null
), series as (
  select agency, report_year, value, id,
    lag(report_year) over w as previous_year, lag(value) over w as previous_value
  from yearly where pick = 1
  window w as (partition by agency order by report_year)
)
select agency, previous_year, report_year, previous_value, value as applications_received,
  value - previous_value as change,
  round(100.0 * (value - previous_value) / nullif(previous_value, 0), 1) as change_percent,
  id as report_id
from series
where previous_year = report_year - 1
order by abs(value - previous_value) desc, agency, report_year
limit 100"""

INCONSISTENT_REPORTS_SQL = """select r.agency, r.report_year, r.template, r.title, c.[check],
  c.kind, c.expected, c.found, c.found - c.expected as difference,
  json_extract(c.detail, '$.where.table') as table_name, c.detail, r.id as report_id
from checks c join reports r on r.id = c.report_id
order by r.report_year desc, r.agency, r.id, c.seq"""

APPEALS_BY_AGENCY_SQL = f"""select agency, count(*) as reports, min(report_year) as first_year,
  max(report_year) as last_year, sum(reconsideration_total) as reconsiderations,
  sum(litigation_total) as lawsuits,
  coalesce(sum(reconsideration_total), 0) + coalesce(sum(litigation_total), 0) as total
from reports
where {_IS_REPORT} and agency is not null and (:year = '' or report_year = :year)
group by agency
order by total desc, reconsiderations desc, agency"""

REMOVED_REPORTS_SQL = """select removed_at, agency, report_year, title, url, first_seen,
  last_seen, captured_at, id as report_id
from reports
where removed_at is not null
order by removed_at desc, agency, report_year"""

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
    tables = {
        "reports": {
            "description": "政府信息公开工作年度报告，每份报告一行（最新版本）/ one row per report, newest version",
            "label_column": "title",
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
            "columns": REPORT_COLUMNS,
        },
        "cells": {
            "description": "统计表单元格 / every statistics-table cell, labelled by row and column paths",
            "facets": ["table_name", "unit"],
            "columns": CELL_COLUMNS,
        },
        "checks": {
            "description": "勾稽关系校验未通过项 / failed arithmetic consistency checks",
            "facets": ["check", "kind"],
            "columns": CHECK_COLUMNS,
        },
        "fetches": {
            "description": "抓取记录，每个不同的响应一行 / one row per distinct HTTP response",
            "facets": ["status", "content_type"],
            "columns": FETCH_COLUMNS,
        },
        "crawl_runs": {
            "description": "抓取批次 / one row per crawl",
            "facets": ["portal", "status"],
            "columns": RUN_COLUMNS,
        },
        "report_versions": {
            "description": "报告历史版本（含当前版本）/ every version of every report, current one included",
            "columns": VERSION_COLUMNS,
        },
        "report_changes": {
            "description": "版本间的变化 / what changed from one version of a report to the next",
            "facets": ["kind"],
            "columns": {
                "report_id": "报告编号 / reports.id",
                "version": "新版本号 / the version that brought the change",
                "kind": "类别 / field or cell",
                "name": "字段名，或单元格的表名/行/列路径 (JSON) / field name, or the cell's table/row/column paths",
                "old": "原值 / value before", "new": "新值 / value after",
            },
        },
        "attachments": {
            "description": "报告附件（PDF/DOC/XLS…），按 sha256 存放 / files linked from report pages, kept under their sha256 name",
            "facets": ["content_type", "used_for_report"],
            "columns": {
                "url": "附件网址 / address of the file", "parent_url": "所在页面 / the page that links it",
                "report_id": "报告编号 / reports.id of that page", "filename": "附件名 / name as shown on the page",
                "sha256": "文件摘要 / sha256 of the file", "stored_as": "存放路径 / path under archive.attachments/",
                "size": "字节数 / bytes", "used_for_report": "1 = 报告数据取自此附件 / the report's data came from this file",
                "error": "读取错误 / why it could not be read",
            },
        },
    }
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
            "description": "统计表勾稽关系校验未通过的报告：哪条规则、应为多少、实为多少 / reports failing the "
            "statistics tables' consistency checks: which rule, the expected and the printed figure",
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


def metadata_path_for(db: str | os.PathLike) -> pathlib.Path:
    """Where the metadata for `db` is written (see the module docstring)."""
    absolute = str(pathlib.Path(db).resolve())
    digest = hashlib.sha256(absolute.encode("utf-8")).hexdigest()[:8]
    return (pathlib.Path(tempfile.gettempdir()) / "xxgk-archive"
            / f"{database_name(db)}-{digest}.metadata.json")


def write_metadata(db: str | os.PathLike) -> pathlib.Path:
    """Write the metadata for `db` atomically, so a datasette starting meanwhile reads all of it."""
    path = metadata_path_for(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(datasette_metadata(database_name(db)), ensure_ascii=False,
                              indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def datasette_command(db: str, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The datasette command line for `db`; writes its metadata file as a side effect."""
    metadata = write_metadata(db)
    command = [sys.executable, "-m", "datasette", "serve", str(db), "--metadata", str(metadata),
               "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    # The project's datasette plugins live in the package (xxgk/datasette_plugins/): no
    # install step, and `xxgk serve` from a checkout loads exactly this code.
    command += ["--plugins-dir", str(PLUGINS_DIR)]
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
        if not is_archive or has_grams_index(conn):
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
