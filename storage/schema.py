"""The archive's schema, written once: every table and column with its type and its Chinese /
English description (contract: ../shared/contracts/archive.md).

`storage.archive` creates the tables from it; `xxgk.serve` gives the descriptions to datasette;
tests/test_schema.py checks that every column of a live archive is described here. A new
column is one line here (plus the code that fills it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Union

from pipelines.model import INDICATOR_KEYS

# Declared type "ANY" gives NUMERIC affinity: ints stay ints and 0.35 stays real, where a
# REAL column would print 67 as 67.0.
NUMBER = "ANY"


@dataclass(frozen=True)
class Column:
    name: str
    type: Any      # a sqlite-utils column type: str, int, float or NUMBER
    zh: str
    en: str

    @property
    def description(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    pk: Union[str, tuple[str, ...], None] = None
    # A view over the storage tables (VIEWS below), not a table: its columns are what users,
    # canned queries and exports see; the archive writes the tables behind it.
    view: bool = False
    without_rowid: bool = False

    @property
    def description(self) -> str:
        return f"{self.zh} / {self.en}"

    def types(self) -> dict[str, Any]:
        return {c.name: c.type for c in self.columns}

    def descriptions(self) -> dict[str, str]:
        return {c.name: c.description for c in self.columns}


# (中文, English, unit) for each canonical indicator column (README "Canonical indicators").
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


def _indicator(key: str) -> Column:
    zh, en, unit = INDICATORS.get(key, (key, key.replace("_", " "), None))
    return Column(key, NUMBER, zh, en + (f"; 单位 unit: {unit}" if unit else ""))


C = Column
REPORT_ID = C("report_id", str, "报告编号", "reports.id")

REPORTS = Table("reports", "政府信息公开工作年度报告，每份报告一行（最新版本）", "one row per report, newest version", (
    C("id", str, "报告编号", "stable report id: first 16 hex digits of sha256 of the canonical URL "
      "(storage/identity.py; ids that changed: report_ids)"),
    C("url", str, "报告网址", "address the report was crawled from"),
    C("portal", str, "门户", "portal (registry name) it was crawled from"),
    C("title", str, "标题", "title"),
    C("index_no", str, "索引号", "index number, as printed"),
    C("agency", str, "报告机关", "reporting body's full name"),
    C("publisher", str, "发布机构", "publisher named in the header block, as printed"),
    C("written_date", str, "成文日期", "date written (ISO)"),
    C("published_date", str, "发布日期", "date published (ISO)"),
    C("signed_date", str, "落款日期", "date under the signature (ISO)"),
    C("report_year", int, "报告年度", "year the report covers (not the year written)"),
    C("template", str, "表格模板", "statistics template: pre2019, 2019 (国办公开办函〔2019〕60号), "
      "2021 (国办公开办函〔2021〕30号) or unknown"),
    C("body_text", str, "正文", "body text"),
    C("content_sha256", str, "内容摘要", "sha256 of the extracted content (not the raw page)"),
    C("first_seen", str, "首次抓取", "first seen (UTC)"),
    C("last_seen", str, "最近抓取", "last seen (UTC)"),
    C("version", int, "版本", "version number: 1, then +1 each time the content changed"),
    *(_indicator(key) for key in INDICATOR_KEYS),
    C("is_report", int, "是否为年度报告", "1 when the page is an annual report"),
    C("cells_count", int, "单元格数", "statistics-table cells stored"),
    C("checks_count", int, "勾稽错误数", "failed consistency checks"),
    C("confidence", float, "可信度", "0–1: how far the extraction can be trusted (share of the template's cells "
      "found, checks passing, header fields present; README, Real reports); null when not a report"),
    C("duplicate_cells", int, "重复单元格", "cells dropped because their label path repeated"),
    C("index_no_parts_json", str, "索引号分解", "index number parts (JSON)"),
    C("indicators_json", str, "全部指标", "all indicators (JSON)"),
    C("metadata_json", str, "信息栏", "the header block's label → value pairs (JSON)"),
    C("errors_json", str, "抽取错误", "extraction errors (JSON)"),
    # The capture this version came from (crawler/warc.py) and list bookkeeping.
    C("warc_file", str, "WARC 文件", "the WARC file holding the capture this version was extracted from "
      "(under archive.warc/)"),
    C("warc_offset", int, "WARC 偏移", "byte offset of that capture's record in the WARC file"),
    C("captured_at", str, "采集时间", "when that capture was fetched (UTC)"),
    C("column_url", str, "栏目网址", "list page of the portal column the report was found in"),
    C("removed_at", str, "删除时间", "when a complete walk of its column no longer listed it (UTC); "
      "empty while it is listed"),
    # Where the portal is (from the portal registry; facets).
    C("province", str, "省份", "province of the portal (from the registry)"),
    C("city", str, "城市", "city of the portal (from the registry), empty for provincial and central portals"),
    C("level", str, "层级", "administrative level of the portal: central, province, city, county or town"),
    C("region_code", str, "行政区划代码", "administrative division code of the portal (GB/T 2260)"),
    C("extractor_version", int, "抽取程序版本", "version of the extraction that produced this row "
      "(pipelines/version.py); older ones are redone by `xxgk reextract`"),
), pk="id")

# A cell's labels: columns of the cells view, kept once per distinct path in `labels`.
LABEL_COLUMNS = (
    C("table_name", str, "表名", "statistics table's name"),
    C("row_path", str, "行标签路径", "row labels, outermost first (JSON array)"),
    C("column_path", str, "列标签路径", "column labels, outermost first (JSON array)"),
    C("row_label", str, "行标签", "innermost row label"),
    C("column_label", str, "列标签", "innermost column label"),
)

CELLS = Table("cells", "统计表单元格", "every statistics-table cell, labelled by row and column paths", (
    REPORT_ID,
    *LABEL_COLUMNS,
    C("unit", str, "单位", "unit as printed (条, 件, 元, 万元 …)"),
    C("value", NUMBER, "数值", "number; empty for a blank cell"),
    C("raw", str, "原文", "the cell's text as printed"),
    C("seq", int, "顺序", "position in the report's cell list"),
), view=True)

CHECKS = Table("checks", "勾稽关系校验未通过项", "failed arithmetic consistency checks", (
    REPORT_ID,
    C("check", str, "校验规则", "consistency rule (e.g. a 总计 that is not the sum of its parts)"),
    C("expected", NUMBER, "应为", "expected value"),
    C("found", NUMBER, "实为", "value printed"),
    C("kind", str, "类型", "mismatch, or missing when a total is blank"),
    C("detail", str, "位置", "where and kind (JSON)"),
    C("seq", int, "顺序", "position in the report's check list"),
))

FETCHES = Table("fetches", "抓取记录，每个不同的响应一行", "one row per distinct HTTP response", (
    C("id", str, "编号", "hash of (url, status, sha256, error)"),
    C("url", str, "网址", "address fetched"),
    C("status", int, "HTTP 状态码", "HTTP status (empty when no response)"),
    C("content_type", str, "内容类型", "Content-Type"),
    C("sha256", str, "响应摘要", "sha256 of the response body"),
    C("error", str, "错误", "error when there was no usable response"),
    C("size", int, "字节数", "body size in bytes"),
    C("fetched_at", str, "首次获取", "first time this response was received (UTC)"),
    C("last_fetched_at", str, "最近获取", "last time this response was received (UTC)"),
    C("times_seen", int, "次数", "times this same response was received"),
    C("etag", str, "实体标签 ETag", "the response's ETag header (conditional re-fetches)"),
    C("last_modified", str, "最后修改时间 Last-Modified", "the response's Last-Modified header (conditional re-fetches)"),
    C("warc_file", str, "WARC 文件", "the WARC file holding this response (under archive.warc/)"),
    C("warc_offset", int, "WARC 偏移", "byte offset of the response record in the WARC file"),
), pk="id")

CRAWL_RUNS = Table("crawl_runs", "抓取批次", "one row per crawl", (
    C("id", int, "编号", "run id"),
    C("portal", str, "门户", "portal crawled"),
    C("started_at", str, "开始", "started (UTC)"),
    C("finished_at", str, "结束", "finished (UTC)"),
    C("status", str, "状态", "running, finished, failed …"),
    C("pages", int, "页数", "pages fetched"),
    C("reports_new", int, "新报告", "new reports"),
    C("reports_changed", int, "变更报告", "reports whose content changed"),
    C("errors", int, "错误数", "errors"),
    C("duration_s", float, "耗时", "duration in seconds"),
    # Portal health (crawler/health.py): what the column's lists showed in this run.
    C("reports_listed", int, "列表中的报告数", "report pages the column's lists named in this run"),
    C("reports_unchanged", int, "未变报告", "listed reports whose content did not change (or were fresh / 304)"),
    C("would_remove", int, "将标为删除", "reports of the column this run did not list (marked removed only "
      "after a complete, healthy walk)"),
    C("health", str, "健康状况", "ok, or suspect: why and in which column (far fewer reports listed than the "
      "column's previous complete walk, or too many would be removed); a suspect run marks nothing removed"),
), pk="id")

# Portal health per column (crawler/health.py): a portal's start URLs are its columns (a column
# per year, say), each judged against its own previous walk; crawl_runs sums them up.
CRAWL_COLUMNS = Table("crawl_columns", "抓取批次的栏目", "one row per column (start URL) of each crawl run: "
                      "what its lists showed and its verdict", (
    C("run_id", int, "批次编号", "crawl_runs.id"),
    C("portal", str, "门户", "portal crawled"),
    C("column_url", str, "栏目网址", "the column's start URL (its first list page); reports.column_url"),
    C("reports_listed", int, "列表中的报告数", "archived reports of this column its lists named in this run"),
    C("reports_new", int, "新报告", "new reports listed by this column"),
    C("reports_changed", int, "变更报告", "reports of this column whose content changed"),
    C("reports_unchanged", int, "未变报告", "reports of this column whose content did not change (or were fresh / 304)"),
    C("would_remove", int, "将标为删除", "reports of this column its lists did not name (marked removed only after "
      "a complete walk of the column in a run that is not suspect)"),
    C("health", str, "健康状况", "ok, suspect: why (under the threshold of the column's previous complete walk, "
      "or too many would be removed), or incomplete (its lists were not walked to the end)"),
), pk=("run_id", "column_url"))

# What every version records (the report_versions view and the version_store behind it).
VERSION_COLUMNS = (
    REPORT_ID,
    C("version", int, "版本", "version number"),
    C("content_sha256", str, "内容摘要", "sha256 of the extracted content"),
    C("url", str, "网址", "address it was crawled from"),
    C("first_seen", str, "首次抓取", "first seen with this content (UTC)"),
    C("last_seen", str, "最近抓取", "last seen with this content (UTC)"),
)

REPORT_VERSIONS = Table("report_versions", "报告历史版本（含当前版本）",
                        "every version of every report, current one included", (
    *VERSION_COLUMNS,
    C("data_json", str, "抽取结果", "the whole extraction, cells included (JSON; the current version's is "
      "rebuilt from reports, cells and checks)"),
), view=True)

REPORT_CHANGES = Table("report_changes", "版本间的变化", "what changed from one version of a report to the next", (
    REPORT_ID,
    C("version", int, "新版本号", "the version that brought the change"),
    C("kind", str, "类别", "field or cell"),
    C("name", str, "字段名，或单元格的表名/行/列路径 (JSON)", "field name, or the cell's table/row/column paths"),
    C("old", str, "原值", "value before"),
    C("new", str, "新值", "value after"),
))

ATTACHMENTS = Table("attachments", "报告附件（PDF/DOC/XLS…），按 sha256 存放",
                    "files linked from report pages, kept under their sha256 name", (
    C("id", str, "编号", "sha256 of (url, sha256): one row per distinct file at an address"),
    C("url", str, "附件网址", "address of the file"),
    C("parent_url", str, "所在页面", "the page that links it"),
    C("report_id", str, "报告编号", "reports.id of that page"),
    C("filename", str, "附件名", "name as shown on the page"),
    C("content_type", str, "内容类型", "Content-Type of the download"),
    C("size", int, "字节数", "bytes"),
    C("sha256", str, "文件摘要", "sha256 of the file"),
    C("stored_as", str, "存放路径", "path under archive.attachments/"),
    C("fetched_at", str, "获取时间", "when the file was downloaded (UTC)"),
    C("used_for_report", int, "1 = 报告数据取自此附件", "the report's data came from this file"),
    C("error", str, "读取错误", "why it could not be read"),
), pk="id")

ARCHIVE_INFO = Table("archive_info", "存档信息", "about the archive itself (storage/migrations.py)", (
    C("key", str, "项目", "schema_version, or code_version (the xxgk-archive version that last wrote the archive)"),
    C("value", str, "值", "its value"),
), pk="key")
PORTAL_CHECKS = Table("portal_checks", "门户检查记录 (xxgk portals --check)",
                      "one row per look at a registered portal: is its column still as registered", (
    C("id", int, "编号", "check id"),
    C("portal", str, "门户编号", "registry id (xxgk portals)"),
    C("checked_at", str, "检查时间", "when the look was taken (UTC)"),
    C("url", str, "起始网址", "the first start URL looked at"),
    C("reachable", int, "1 = 可访问", "a start URL answered 200"),
    C("http_status", int, "HTTP 状态码", "status of the last answer"),
    C("error", str, "不可访问的原因", "why not reachable (one line)"),
    C("family_registered", str, "登记的门户系统", "family in the registry"),
    C("family_detected", str, "页面显示的门户系统", "family the page shows (crawler/families)"),
    C("family_matches", int, "1 = 一致, 0 = 不一致", "registered family confirmed by the page; empty when nothing was read"),
    C("report_links", int, "年报链接数", "links whose titles name an annual report"),
    C("links", int, "文章链接数", "all article links the family found"),
    C("years", str, "年报标题中的年份", "years the report titles name, e.g. 2017,2018,2023"),
    C("first_year", int, "最早年份", "earliest of those years"),
    C("last_year", int, "最晚年份", "latest of those years"),
), pk="id")
# What removals were checked against, and when: the UI's removed-reports page says so
# instead of a bare "0 results" (storage.archive.Archive.mark_removed writes it).
COLUMN_WALKS = Table("column_walks", "栏目完整遍历", "the last complete walk of each portal column's lists", (
    C("column_url", str, "栏目网址", "the column whose lists were walked"),
    C("last_complete_walk_at", str, "最近完整遍历", "when its lists were last walked completely (UTC)"),
    C("listed", int, "列表中的报告数", "reports that walk listed"),
    C("removed", int, "已删除报告数", "reports of the column marked removed after it"),
), pk="column_url")

# Ids that changed (storage/rekey.py): a link or a note keeping an old id still finds its report.
REPORT_IDS = Table("report_ids", "报告编号变更", "report ids that changed: old id → the id of the report now", (
    C("old_id", str, "原报告编号", "the id the report had (links made before still name it)"),
    C("new_id", str, "现报告编号", "reports.id now: the first 16 hex of sha256 of the canonical URL "
      "(scheme folded, www. and registry host aliases resolved, default ports and tracking parameters dropped)"),
    C("url", str, "报告网址", "the address stored under the old id"),
    C("rekeyed_at", str, "变更时间", "when it was re-keyed (UTC)"),
    C("reason", str, "原因", "migration 3 (canonical URLs), or registry hosts (a declared alias)"),
    C("kept", int, "1 = 原记录保留", "1: the report's rows moved to the new id; 0: another address of the same "
      "report was kept, and this one's versions and changes stay under the old id"),
), pk="old_id")

# What the views above are made of (issue #17: bytes per cell, not kilobytes). Label paths are
# stored once; a cell is a report id, its position, a label id and what was printed.
LABELS = Table("labels", "单元格标签（每种标签路径一行）", "each distinct table / row path / column path once", (
    C("id", int, "标签编号", "label id"),
    *LABEL_COLUMNS,
), pk="id")

CELL_VALUES = Table("cell_values", "单元格数值（cells 视图的存储）", "what each cell printed; the cells view adds its labels", (
    REPORT_ID,
    C("seq", int, "顺序", "position in the report's cell list"),
    C("label_id", int, "标签编号", "labels.id"),
    C("unit", str, "单位", "unit as printed"),
    C("value", NUMBER, "数值", "number; empty for a blank cell"),
    C("raw", str, "原文", "the cell's text as printed"),
    C("duplicate", int, "重复", "1 when an earlier cell of the report has the same labels (not in the cells view; "
      "kept so that each version can be rebuilt exactly)"),
), pk=("report_id", "seq"), without_rowid=True)

VERSION_STORE = Table("version_store", "报告版本（report_versions 视图的存储）",
                      "every version of every report; the extraction kept for earlier versions only", (
    *VERSION_COLUMNS,
    C("data_json", str, "抽取结果（旧格式）", "the extraction (JSON text) as stored before migration 5; empty since "
      "(data_zlib)"),
    C("data_zlib", bytes, "抽取结果（压缩）", "the extraction (JSON, zlib-compressed: storage/versions.py) of an earlier "
      "version, or of a current one the rows cannot rebuild; empty for the current version, whose data is in "
      "reports, cells and checks (the report_versions view rebuilds it)"),
    C("data_size", int, "抽取结果字节数", "bytes of that JSON uncompressed (sqlar_uncompress needs it)"),
), pk=("report_id", "version"))

# The storage behind the views, created before them.
STORAGE_TABLES: dict[str, Table] = {t.name: t for t in (LABELS, CELL_VALUES, VERSION_STORE)}

# The current version's extraction, rebuilt in SQL (JSON functions only) in to_json's key order.
CURRENT_VERSION_JSON = """json_object(
  'source', r.url, 'is_report', json(case when r.is_report then 'true' else 'false' end),
  'title', r.title, 'index_no', r.index_no, 'index_no_parts', json(r.index_no_parts_json),
  'agency', r.agency, 'publisher', r.publisher, 'written_date', r.written_date,
  'published_date', r.published_date, 'signed_date', r.signed_date, 'report_year', r.report_year,
  'template', r.template, 'metadata', json(coalesce(r.metadata_json, '{}')),
  'cells', (select json_group_array(json(c)) from (
      select json_object('table', l.table_name, 'row', json(l.row_path), 'column', json(l.column_path),
                         'unit', v.unit, 'value', v.value, 'raw', v.raw) as c
      from cell_values v join labels l on l.id = v.label_id where v.report_id = r.id order by v.seq)),
  'indicators', json(coalesce(r.indicators_json, '{}')),
  'checks', (select json_group_array(json(c)) from (
      select json_object('check', k."check", 'expected', k.expected, 'found', k.found,
                         'where', json(coalesce(json_extract(k.detail, '$.where'), '{}')), 'kind', k.kind) as c
      from checks k where k.report_id = r.id order by k.seq)),
  'confidence', r.confidence, 'errors', json(coalesce(r.errors_json, '[]')), 'body_text', r.body_text)"""

# name -> select: built-in SQL and JSON functions, and sqlar_uncompress (earlier versions are
# compressed: storage/versions.py), which the sqlite3 shell has built in and xxgk registers.
VIEWS: dict[str, str] = {
    "cells": """select v.report_id, l.table_name, l.row_path, l.column_path, l.row_label, l.column_label,
  v.unit, v.value, v.raw, v.seq
from cell_values v join labels l on l.id = v.label_id
where v.duplicate is null""",
    "report_versions": f"""select s.report_id, s.version, s.content_sha256, s.url, s.first_seen, s.last_seen,
  coalesce(s.data_json, cast(sqlar_uncompress(s.data_zlib, s.data_size) as text),
           (select {CURRENT_VERSION_JSON} from reports r where r.id = s.report_id)) as data_json
from version_store s""",
}

# Every table and view users see, in creation order (the FTS index and its shadow tables aside).
TABLES: dict[str, Table] = {t.name: t for t in (
    REPORTS, CELLS, CHECKS, FETCHES, CRAWL_RUNS, CRAWL_COLUMNS, REPORT_VERSIONS, REPORT_CHANGES, ATTACHMENTS,
    PORTAL_CHECKS, COLUMN_WALKS, ARCHIVE_INFO, REPORT_IDS)}

INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("checks", ("report_id",)),
    ("fetches", ("url",)),
    ("reports", ("agency",)),
    ("reports", ("report_year",)),
    ("reports", ("portal",)),
    ("reports", ("template",)),  # a facet
    ("reports", ("index_no",)),  # search scans it for index numbers (storage/search.py)
    ("reports", ("column_url",)),
    ("reports", ("province",)),
    ("attachments", ("report_id",)),
    ("report_changes", ("report_id", "version")),
    ("report_ids", ("new_id",)),
    ("portal_checks", ("portal", "checked_at")),
    ("crawl_columns", ("column_url", "run_id")),
)
