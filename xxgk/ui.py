"""What the journalist pages show, as pure functions over an archive connection.

No datasette here: every function takes an open `sqlite3.Connection` to an archive
(`storage/archive.py`) and returns plain data, so the pages' content is tested without a
server (tests/test_ui_pages.py) and the datasette plugin (`xxgk.pages_plugin`) only renders it.

- `report_page(conn, id)`: header, statistics tables rebuilt as printed (`build_table`),
  indicators, failed checks, versions and changes, the same agency's other reports.
- `agency_page(conn, name)`: an agency's reports and indicators across the years.
- `series(conn, indicator, agency)` / `distribution(conn, indicator, year)`: chart data.
"""
from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Iterable, Optional, Sequence

from pipelines.model import INDICATOR_KEYS
from storage.queries import IS_REPORT
from storage.schema import INDICATORS
from xxgk.labels import (CHECK_KINDS, CHECK_NAMES, CHECK_SIDES, DEFAULT_SIDES, NOT_REPORTED,
                         local_time)

TEMPLATES = {
    "pre2019": "2008–2018 政府信息公开情况统计表",
    "2019": "国办公开办函〔2019〕60号",
    "2021": "国办公开办函〔2021〕30号",
    "unknown": "未识别 / not recognised",
}
LEVELS = {"central": "中央 central", "province": "省级 province", "city": "市级 city",
          "county": "县级 county", "town": "乡镇 town"}
DEFAULT_INDICATOR = "applications_received"


# -- small helpers ----------------------------------------------------------------------------
def rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Query results as dicts, whatever the connection's row_factory."""
    cursor = conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, tuple(row))) for row in cursor.fetchall()]


def _json(text: Optional[str], default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def format_number(value: Any) -> str:
    """67 → '67', 1618.9 → '1,618.9', 12000.0 → '12,000', None → ''."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def figure_text(value: Any) -> str:
    """A figure for reading: thousands separators; a blank is 未填报 (never 0, never empty)."""
    return NOT_REPORTED if value is None or value == "" else format_number(value)


def indicator_info(key: str) -> dict[str, Any]:
    zh, en, unit = INDICATORS.get(key, (key, key.replace("_", " "), None))
    short_unit = (unit or "").split(" ")[0] or None
    return {"key": key, "zh": zh, "en": en, "unit": short_unit, "label": f"{zh} / {en}"}


def indicator_choices() -> list[dict[str, Any]]:
    return [indicator_info(key) for key in INDICATOR_KEYS]


def check_indicator(key: Optional[str]) -> str:
    """An indicator column name from user input, or ValueError (it goes into SQL)."""
    if key not in INDICATOR_KEYS:
        raise ValueError(f"unknown indicator {key!r}; one of: {', '.join(INDICATOR_KEYS)}")
    return key  # type: ignore[return-value]


# -- statistics tables rebuilt as printed ------------------------------------------------------
Path_ = tuple[str, ...]


def header_rows(columns: Sequence[Path_]) -> list[list[dict[str, Any]]]:
    """The multi-level header of `columns` (label paths, outermost first), as printed:
    one list of {label, colspan, rowspan} per header row; a label shared by neighbouring
    columns spans them, a label with nothing under it spans the rows below."""
    depth = max((len(c) for c in columns), default=0) or 1
    out: list[list[dict[str, Any]]] = []
    for level in range(depth):
        line: list[dict[str, Any]] = []
        i = 0
        while i < len(columns):
            col = columns[i]
            if len(col) <= level:  # covered by a rowspan from above (or no label at all)
                if level == 0:
                    line.append({"label": "", "colspan": 1, "rowspan": depth})
                i += 1
                continue
            j = i + 1
            while (j < len(columns) and len(columns[j]) > level
                   and columns[j][:level + 1] == col[:level + 1]):
                j += 1
            rowspan = depth - level if len(col) == level + 1 and j == i + 1 else 1
            line.append({"label": col[level], "colspan": j - i, "rowspan": rowspan})
            i = j
        out.append(line)
    return out


def _cell_text(cell: dict[str, Any]) -> str:
    raw = cell.get("raw")
    if raw is not None and str(raw).strip() != "":
        return str(raw)
    return format_number(cell.get("value"))


def check_message(check: dict[str, Any]) -> str:
    """'表三：一 + 二 = （七）总计 + 四：一 + 二 = 250，（七）总计 + 四 = 251' — both sides named."""
    code = check.get("check") or ""
    left, right = CHECK_SIDES.get(code, DEFAULT_SIDES)
    return (f"{CHECK_NAMES.get(code, code)}：{left} = {figure_text(check.get('expected'))}，"
            f"{right} = {figure_text(check.get('found'))}")


_RULE_SPLIT = re.compile(r"[+=＋＝]")


def rule_rows(rule: Optional[str], row_paths: Sequence[Path_]) -> list[Path_]:
    """The rows an equation names ('一+二=（七）+四' → the rows labelled 一、…, 二、…, （七）…, 四、…)."""
    if not rule:
        return []
    found: list[Path_] = []
    for token in (t.strip() for t in _RULE_SPLIT.split(rule)):
        if not token:
            continue
        for path in row_paths:
            label = path[-1] if path else ""
            if label == token or label.startswith(token + "、") or (
                    token.startswith("（") and label.startswith(token)):
                if path not in found:
                    found.append(path)
                break
    return found


def _failed_positions(checks: Iterable[dict[str, Any]], table: str,
                      row_paths: Sequence[Path_] = ()) -> dict[tuple[Path_, Path_], list[str]]:
    """(row path, column path) of the cells a failed check involves, with what was wrong: the
    total it names, or, for an equation over rows (t3_identity names only a column), every
    row of the equation in that column."""
    marked: dict[tuple[Path_, Path_], list[str]] = {}
    for check in checks:
        where = (check.get("where") or {})
        if where.get("table") != table or "column" not in where:
            continue
        column = tuple(where.get("column") or ())
        if "row" in where:
            rows_ = [tuple(where.get("row") or ())]
        else:
            rows_ = rule_rows(where.get("rule"), row_paths)
        for row in rows_:
            marked.setdefault((row, column), []).append(check_message(check))
    return marked


def build_table(name: str, cells: Sequence[dict[str, Any]],
                checks: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """One statistics table laid out as printed, from its cells in report order.

    `cells`: dicts with `row` and `column` (label paths), `unit`, `value`, `raw`.
    Rows keep their order; a row label is the innermost label indented by its depth, and
    parents printed without figures of their own (三、本年度办理结果) come back as heading rows.
    Columns get a multi-level header. When the row groups of a table use different columns
    (table 二: 本年制发件数… for （一）, 本年处理决定数量 for （五）), each group is a segment
    with its own heading and header, as printed. A one-unit-per-row table (pre-2019:
    统计指标 | 单位 | 统计数) gets a 单位 column.
    """
    grid: dict[tuple[Path_, Path_], dict[str, Any]] = {}
    row_order: list[Path_] = []
    col_order: list[Path_] = []
    for cell in cells:
        r, c = tuple(cell.get("row") or ()), tuple(cell.get("column") or ())
        if (r, c) in grid:
            continue
        grid[(r, c)] = cell
        if r not in row_order:
            row_order.append(r)
        if c not in col_order:
            col_order.append(c)
    failed = _failed_positions(checks, name, row_order)

    # Units: one unit per row, in at least half of the rows, makes a 单位 column.
    row_units: dict[Path_, str] = {}
    consistent = True
    for r in row_order:
        units = {str(grid[(r, c)].get("unit")) for c in col_order
                 if (r, c) in grid and grid[(r, c)].get("unit")}
        if len(units) > 1:
            consistent = False
        row_units[r] = units.pop() if len(units) == 1 else ""
    with_unit = sum(1 for u in row_units.values() if u)
    has_unit = consistent and with_unit > 0 and with_unit * 2 >= len(row_order)
    has_labels = any(row_order)
    pre2019_like = has_unit or col_order == [("统计数",)]

    # Segments: groups of rows under the same top-level label.
    groups: list[tuple[Optional[str], list[Path_]]] = []
    for r in row_order:
        key = r[0] if len(r) > 1 else None
        if groups and groups[-1][0] == key and key is not None:
            groups[-1][1].append(r)
        elif key is not None:
            groups.append((key, [r]))
        else:
            groups.append((None, [r]))
    col_sets = [[c for c in col_order if any((r, c) in grid for r in group)] for _, group in groups]
    segmented = len({tuple(s) for s in col_sets}) > 1 and all(key for key, _ in groups)

    def body_rows(paths: Sequence[Path_], columns: Sequence[Path_], skip_levels: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        present = set(paths)
        emitted: set[Path_] = set()
        for r in paths:
            for depth in range(skip_levels + 1, len(r)):  # parents not printed with figures
                parent = r[:depth]
                if parent not in present and parent not in emitted:
                    emitted.add(parent)
                    out.append({"label": parent[-1], "depth": depth - 1 - skip_levels,
                                "unit": "", "heading": True, "path": list(parent),
                                "cells": [{"text": "", "value": None, "absent": True,
                                           "failed": []} for _ in columns]})
            cells_out = []
            for c in columns:
                cell = grid.get((r, c))
                if cell is None:
                    cells_out.append({"text": "", "value": None, "absent": True, "failed": []})
                else:
                    cells_out.append({"text": _cell_text(cell), "value": cell.get("value"),
                                      "absent": False, "failed": failed.get((r, c), [])})
            out.append({"label": r[-1] if r else "", "depth": max(0, len(r) - 1 - skip_levels),
                        "unit": row_units.get(r, ""), "heading": False, "path": list(r),
                        "cells": cells_out})
        return out

    segments = []
    if segmented:
        for (key, group), columns in zip(groups, col_sets):
            segments.append({"heading": key, "columns": [list(c) for c in columns],
                             "header_rows": header_rows(columns),
                             "rows": body_rows(group, columns, 1)})
    else:
        segments.append({"heading": None, "columns": [list(c) for c in col_order],
                         "header_rows": header_rows(col_order),
                         "rows": body_rows(row_order, col_order, 0)})
    width = max((len(s["columns"]) for s in segments), default=0)
    return {
        "name": name,
        "segments": segments,
        "has_labels": has_labels,
        "has_unit": has_unit,
        "label_header": "统计指标" if pre2019_like else "项目",
        "value_columns": width,
        "width": width + int(has_labels) + int(has_unit),
        "cells": len(grid),
        "blank_cells": sum(1 for cell in grid.values() if cell.get("value") is None),
    }


# -- one report -------------------------------------------------------------------------------
HEADER_FIELDS = (
    ("title", "标题", "title"),
    ("index_no", "索引号", "index number"),
    ("agency", "报告机关", "agency"),
    ("publisher", "发布机构", "publisher"),
    ("written_date", "成文日期", "written"),
    ("published_date", "发布日期", "published"),
    ("signed_date", "落款日期", "signed"),
    ("report_year", "报告年度", "report year"),
    ("template", "表格模板", "template"),
    ("portal", "门户", "portal"),
)


def report_cells(conn: sqlite3.Connection, report_id: str) -> list[dict[str, Any]]:
    return [{"table": c["table_name"], "row": _json(c["row_path"], []),
             "column": _json(c["column_path"], []), "unit": c["unit"], "value": c["value"],
             "raw": c["raw"]}
            for c in rows(conn, "select table_name, row_path, column_path, unit, value, raw "
                                "from cells where report_id = ? order by seq", [report_id])]


def report_checks(conn: sqlite3.Connection, report_id: str) -> list[dict[str, Any]]:
    out = []
    for c in rows(conn, "select [check], kind, expected, found, detail from checks "
                        "where report_id = ? order by seq, rowid", [report_id]):
        detail = _json(c["detail"], {})
        where = detail.get("where") or {}
        place = " › ".join(str(p) for p in [where.get("table"), *(where.get("row") or []),
                                               *(where.get("column") or [])] if p)
        sides = CHECK_SIDES.get(c["check"], DEFAULT_SIDES)
        out.append({"check": c["check"], "rule": CHECK_NAMES.get(c["check"], c["check"]),
                    "kind": c["kind"], "kind_label": CHECK_KINDS.get(c["kind"], c["kind"]),
                    "expected": c["expected"], "found": c["found"],
                    "expected_side": sides[0], "found_side": sides[1],
                    "difference": (c["found"] - c["expected"]
                                   if isinstance(c["found"], (int, float))
                                   and isinstance(c["expected"], (int, float)) else None),
                    "where": where, "place": place, "formula": where.get("rule")})
    return out


def build_tables(cells: Sequence[dict[str, Any]],
                 checks: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Every statistics table of a report, in the order printed."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for cell in cells:
        by_name.setdefault(cell.get("table") or "", []).append(cell)
    return [build_table(name, group, checks) for name, group in by_name.items()]


def _change_name(kind: str, name: str) -> str:
    if kind != "cell":
        return name
    parts = _json(name, None)
    if not isinstance(parts, list):
        return name
    table, row, column = (parts + [None, None, None])[:3]
    return " › ".join(str(p) for p in [table, *(row or []), *(column or [])] if p)


def report_versions(conn: sqlite3.Connection, report_id: str) -> list[dict[str, Any]]:
    versions = rows(conn, "select version, content_sha256, url, first_seen, last_seen "
                          "from report_versions where report_id = ? order by version desc",
                    [report_id])
    changes: dict[int, list[dict[str, Any]]] = {}
    if _has_table(conn, "report_changes"):
        for ch in rows(conn, "select version, kind, name, old, new from report_changes "
                             "where report_id = ? order by version, rowid", [report_id]):
            changes.setdefault(ch["version"], []).append(
                {"kind": ch["kind"], "name": _change_name(ch["kind"], ch["name"]),
                 "old": ch["old"], "new": ch["new"], "text": change_text(ch["old"], ch["new"])})
    for v in versions:
        v["changes"] = changes.get(v["version"], [])
    return versions


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type in ('table', 'view') and name = ?",
                        [name]).fetchone() is not None


def is_archive(conn: sqlite3.Connection) -> bool:
    return _has_table(conn, "reports") and _has_table(conn, "cells")


def report_indicators(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**indicator_info(key), "value": report.get(key),
             "text": figure_text(report.get(key))} for key in INDICATOR_KEYS]


def report_page(conn: sqlite3.Connection, report_id: str) -> Optional[dict[str, Any]]:
    """Everything the report page shows, or None for an unknown id."""
    found = rows(conn, "select * from reports where id = ?", [report_id])
    if not found:
        return None
    report = found[0]
    cells = report_cells(conn, report_id)
    checks = report_checks(conn, report_id)
    header = [{"key": key, "zh": zh, "en": en, "value": report.get(key)}
              for key, zh, en in HEADER_FIELDS]
    region = " ".join(str(report[k]) for k in ("province", "city") if report.get(k))
    siblings = []
    if report.get("agency"):
        siblings = rows(conn, f"select id, report_year, template, checks_count from reports "
                              f"where agency = ? and {IS_REPORT} order by report_year, published_date",
                        [report["agency"]])
    return {
        "report": report,
        "header": header,
        "metadata": _json(report.get("metadata_json"), {}),
        "region": {"province": report.get("province"), "city": report.get("city"),
                   "level": report.get("level"), "level_label": LEVELS.get(report.get("level") or "", report.get("level")),
                   "region_code": report.get("region_code"), "text": region},
        "template_label": TEMPLATES.get(report.get("template") or "", report.get("template")),
        "tables": build_tables(cells, checks),
        "indicators": report_indicators(report),
        "checks": checks,
        "versions": report_versions(conn, report_id),
        "errors": _json(report.get("errors_json"), []),
        "siblings": siblings,
        "has_capture": bool(report.get("warc_file")),
    }


# -- agencies and charts ----------------------------------------------------------------------
def agencies(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return rows(conn, f"""select agency, count(*) as reports, min(report_year) as first_year,
          max(report_year) as last_year, sum(checks_count > 0) as reports_with_failed_checks,
          max(province) as province, max(city) as city
        from reports where agency is not null and {IS_REPORT}
        group by agency order by agency""")


def years(conn: sqlite3.Connection) -> list[int]:
    return [r["report_year"] for r in rows(
        conn, f"select distinct report_year from reports where report_year is not null "
              f"and {IS_REPORT} order by report_year")]


def _one_per(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """One report per `key` (an agency's year, a year's agency): the one still online and
    published last, when a body published two."""
    chosen: dict[Any, dict[str, Any]] = {}
    for item in items:
        k = item[key]
        old = chosen.get(k)
        rank = (item.get("removed_at") is None, item.get("published_date") or "", item.get("id") or "")
        if old is None or rank > (old.get("removed_at") is None, old.get("published_date") or "",
                                  old.get("id") or ""):
            chosen[k] = item
    return list(chosen.values())


def agency_page(conn: sqlite3.Connection, agency: str) -> Optional[dict[str, Any]]:
    """An agency's reports, one row each, with every indicator; None when it has none."""
    cols = ", ".join(INDICATOR_KEYS)
    reports = rows(conn, f"""select id, title, report_year, template, published_date, removed_at,
          checks_count, portal, province, city, level, {cols}
        from reports where agency = ? and {IS_REPORT}
        order by report_year, published_date, id""", [agency])
    if not reports:
        return None
    present = [key for key in INDICATOR_KEYS if any(r.get(key) is not None for r in reports)]
    for r in reports:
        r["values"] = [{"key": key, "value": r.get(key), "text": figure_text(r.get(key))}
                       for key in present]
    return {
        "agency": agency,
        "reports": reports,
        "indicators": [indicator_info(k) for k in present],
        "first": reports[0],
        "years": sorted({r["report_year"] for r in reports if r["report_year"] is not None}),
        "failed": sum(1 for r in reports if (r.get("checks_count") or 0) > 0),
        "default_indicator": DEFAULT_INDICATOR if DEFAULT_INDICATOR in present
        else (present[0] if present else DEFAULT_INDICATOR),
        "series": {key: series(conn, key, agency) for key in present},
    }


def series(conn: sqlite3.Connection, indicator: str, agency: str) -> dict[str, Any]:
    """One indicator of one agency over the years (line chart): one report per year."""
    key = check_indicator(indicator)
    found = rows(conn, f"""select id, report_year, published_date, removed_at, [{key}] as value
        from reports where agency = ? and report_year is not null and {IS_REPORT}""", [agency])
    chosen = sorted(_one_per(found, "report_year"), key=lambda r: r["report_year"])
    info = indicator_info(key)
    return {
        "kind": "line", "indicator": key, "agency": agency, "year": None,
        "title": f"{agency} · {info['zh']} / {info['en']}",
        "label": info["label"], "unit": info["unit"],
        "labels": [r["report_year"] for r in chosen],
        "values": [r["value"] for r in chosen],
        "report_ids": [r["id"] for r in chosen],
    }


def distribution(conn: sqlite3.Connection, indicator: str, year: int) -> dict[str, Any]:
    """One indicator across agencies in one year (bar chart), largest first; agencies whose
    report has no such figure are listed in `missing`."""
    key = check_indicator(indicator)
    found = rows(conn, f"""select id, agency, published_date, removed_at, [{key}] as value
        from reports where report_year = ? and agency is not null and {IS_REPORT}""", [int(year)])
    chosen = _one_per(found, "agency")
    with_value = sorted((r for r in chosen if r["value"] is not None),
                        key=lambda r: (-r["value"], r["agency"]))
    info = indicator_info(key)
    return {
        "kind": "bar", "indicator": key, "agency": None, "year": int(year),
        "title": f"{int(year)} 年度 · {info['zh']} / {info['en']}",
        "label": info["label"], "unit": info["unit"],
        "labels": [r["agency"] for r in with_value],
        "values": [r["value"] for r in with_value],
        "report_ids": [r["id"] for r in with_value],
        "missing": sorted(r["agency"] for r in chosen if r["value"] is None),
    }


def latest_year_with(conn: sqlite3.Connection, indicator: str) -> Optional[int]:
    key = check_indicator(indicator)
    row = conn.execute(f"select max(report_year) from reports where [{key}] is not null "
                       f"and {IS_REPORT}").fetchone()
    return row[0] if row else None


# -- the home page and the empty states -------------------------------------------------------
def archive_summary(conn: sqlite3.Connection) -> dict[str, Any]:
    """What the archive holds: reports, agencies, years, failed checks, removals, changes,
    the last crawl (local time) and the last complete walk of each column."""
    (counts,) = rows(conn, f"""select count(*) as reports, count(distinct agency) as agencies,
          min(report_year) as first_year, max(report_year) as last_year,
          count(distinct report_year) as years, sum(checks_count > 0) as failed,
          sum(removed_at is not null) as removed, sum(version > 1) as changed,
          max(last_seen) as last_seen
        from reports where {IS_REPORT}""")
    last_crawl = None
    if _has_table(conn, "crawl_runs"):
        found = rows(conn, "select portal, started_at, finished_at, status, pages, reports_new, "
                           "reports_changed from crawl_runs order by started_at desc limit 1")
        last_crawl = found[0] if found else None
    return {**counts, "failed": counts["failed"] or 0, "removed": counts["removed"] or 0,
            "changed": counts["changed"] or 0, "last_crawl": last_crawl,
            "last_crawl_local": local_time((last_crawl or {}).get("finished_at")
                                           or (last_crawl or {}).get("started_at")),
            "walks": column_walks(conn)}


def column_walks(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The last complete walk of each column's lists (what removals are checked against)."""
    if not _has_table(conn, "column_walks"):
        return []
    found = rows(conn, "select w.column_url, w.last_complete_walk_at, w.listed, w.removed, "
                       "(select max(portal) from reports r where r.column_url = w.column_url) as portal "
                       "from column_walks w order by w.last_complete_walk_at desc")
    for walk in found:
        walk["local"] = local_time(walk["last_complete_walk_at"])
    return found


def changes_summary(conn: sqlite3.Connection) -> dict[str, Any]:
    """How many reports were re-read and how many changed, for the changes page's empty state."""
    (found,) = rows(conn, f"""select count(*) as reports, sum(version > 1) as changed,
          min(first_seen) as first_seen, max(last_seen) as last_seen
        from reports where {IS_REPORT}""")
    return {**found, "changed": found["changed"] or 0,
            "first_local": local_time(found["first_seen"]), "last_local": local_time(found["last_seen"])}


def year_gaps(chart: dict[str, Any]) -> list[int]:
    """Years of a line chart (first to last) without a figure: no report, or 未填报."""
    if chart.get("kind") != "line":
        return []
    have = {int(y): v for y, v in zip(chart.get("labels") or [], chart.get("values") or [])
            if y is not None}
    if not have:
        return []
    return [y for y in range(min(have), max(have) + 1) if have.get(y) is None]


CHANGE_TEXT_MAX = 300  # characters of a change shown on a page


def change_text(old: Optional[str], new: Optional[str], limit: int = CHANGE_TEXT_MAX) -> str:
    """What changed between two values, short: a figure as 'old → new', a long text as the
    lines removed (−) and added (+), cut to `limit` characters."""
    old_s = "" if old is None else str(old)
    new_s = "" if new is None else str(new)
    if "\n" not in old_s and "\n" not in new_s and len(old_s) + len(new_s) <= limit:
        return f"{old_s or '∅'} → {new_s or '∅'}"
    import difflib
    lines = []
    for line in difflib.ndiff(old_s.splitlines(), new_s.splitlines()):
        if line.startswith(("- ", "+ ")):
            lines.append(("− " if line[0] == "-" else "+ ") + line[2:])
    text = "\n".join(lines) or "（仅空白变化 / white space only）"
    return text if len(text) <= limit else text[:limit - 1] + "…"
