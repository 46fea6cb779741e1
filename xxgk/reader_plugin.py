"""Datasette plugin: the archive as a journalist reads it, in Chinese first (English beside).

- `/`                         home: search box, the four sections (报告, 机关, 图表, 常用查询),
                              the canned questions, what the archive holds, the last crawl
- the `reports` table page    a results list (title → report page, agency, year, template,
                              key indicators, highlighted snippet); `?_xxgk_view=table` (or
                              `_col` / `_nocol`) shows every column; glossary collapsed
- canned questions            a form first (搜索词, 年度), the SQL folded away, empty states
                              that say what was checked and when
- `/-/xxgk/export/DB/NAME.csv?…`   any table or question as a CSV Excel opens (xxgk/excel.py)
- `/-/xxgk/agency/NAME.csv`   an agency's years × indicators
- `/-/xxgk/chart.csv?…`       a chart's figures (agencies × value, or years × value)
- `/-/xxgk/report/ID/original`      the archived original inside a banner (存档副本 …)
- `/-/xxgk/report/ID/original/page` the capture with its links disabled (shown in the banner page)
- `/-/xxgk/report/ID/original/raw`  the capture exactly as received

Datasette's templates are swapped per page by name (`AliasLoader`: `table-*-reports.html`,
`query-*-NAME.html` for the project's questions); a `--template-dir` still wins. No inline
scripts: a strict Content-Security-Policy can forbid them.
"""
from __future__ import annotations

import asyncio
import sqlite3
import re
import urllib.parse
from typing import Any, Optional

from datasette import hookimpl
from datasette.utils import path_with_replaced_args
from datasette.utils.asgi import Response
from jinja2 import BaseLoader, FileSystemLoader, TemplateNotFound, ChoiceLoader
from markupsafe import Markup, escape

from pipelines.model import INDICATOR_KEYS
from storage import versions
from storage.search import make_snippet, split_terms
from xxgk import excel, labels, ui
from xxgk.search_plugin import CAPPED_ARG, EXACT_ARG, capped_of, render_snippet
from xxgk.pages_plugin import (PREFIX, TEMPLATES_DIR, NotFound, archive_databases, links_for,
                               pick_database, render)

QUESTIONS = ("applications_by_agency", "year_over_year_changes", "inconsistent_reports",
             "appeals_by_agency", "removed_reports", "changed_reports", "search", "reports_by_year")
# The indicators a result shows (the rest are on the report page and in every-column view).
KEY_INDICATORS = ("applications_received", "reconsideration_total", "litigation_total",
                  "proactive_disclosed")
# The reports CSV: what a reader needs, not 43 columns with the body text (`_col` picks others).
EXPORT_COLUMNS = ("title", "agency", "report_year", "template", "published_date",
                  *INDICATOR_KEYS, "checks_count", "removed_at", "url")
EXPORT_MAX_ROWS = 100_000   # rows of one CSV download (datasette pages of max_returned_rows)
EXPORT_DROP_ARGS = {"_next", "_size", "_shape", "_labels", "_stream", "_dl", "_xxgk_view",
                    CAPPED_ARG, EXACT_ARG}
TABLE_VIEW_ARGS = ("_xxgk_view", "_col", "_nocol")
YEAR_FACETS = {"report_year"}


# -- templates by name ------------------------------------------------------------------------
def alias_for(name: str) -> Optional[str]:
    """The project's template for one of datasette's per-page template names, or None."""
    if re.fullmatch(r"table-.+-reports\.html", name):
        return "xxgk_reports_table.html"
    match = re.fullmatch(r"query-.+-([A-Za-z0-9_]+)\.html", name)
    if match and match.group(1) in QUESTIONS:
        return "xxgk_query.html"
    return None


class AliasLoader(BaseLoader):
    """Serves `alias_for(name)` from the project's templates under datasette's name."""

    def __init__(self) -> None:
        self.files = FileSystemLoader(str(TEMPLATES_DIR))

    def get_source(self, environment: Any, template: str):
        target = alias_for(template)
        if target is None:
            raise TemplateNotFound(template)
        return self.files.get_source(environment, target)

    def list_templates(self) -> list[str]:  # datasette lists templates at start-up
        return []


@hookimpl
def prepare_jinja2_environment(env, datasette):
    if not any(isinstance(l, AliasLoader) for l in getattr(env.loader, "loaders", [])):
        env.loader = ChoiceLoader([env.loader, AliasLoader()])
    env.filters["xxgk_local_time"] = labels.local_time


# -- helpers the templates call ---------------------------------------------------------------
def figure_html(value: Any) -> Markup:
    if value is None or value == "":
        return Markup(f'<span class="xxgk-na" title="{labels.NOT_REPORTED_EN}">{labels.NOT_REPORTED}</span>')
    return Markup(escape(ui.format_number(value)))


def snippet_html(row: Any, query: Optional[str]) -> Optional[Markup]:
    """Text around the first hit of the search in the body (or title), the words marked."""
    terms = split_terms(query or "")
    if not terms:
        return None
    body = _get(row, "body_text") or ""
    # prose first: the body text also holds the tables, one row per line with | between cells
    prose = "\n".join(line for line in body.splitlines() if line.count("|") < 2)
    text = ""
    for source in (prose, body):
        text = make_snippet(source, terms, width=40, mark=True) if source else ""
        if "<mark>" in text:
            break
    if "<mark>" not in text:
        return None
    return render_snippet(text)


def title_html(title: Optional[str], query: Optional[str]) -> Markup:
    from storage.search import mark_terms
    marked = mark_terms(title or "", split_terms(query or ""))
    return render_snippet(marked) or Markup(escape(title or ""))


def _get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError, TypeError):
        return None


def facet_view(facet_results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Facets with Chinese names, years in year order (newest first), not by count."""
    out = []
    for facet in facet_results or []:
        results = list(facet.get("results") or [])
        if facet.get("name") in YEAR_FACETS:
            results.sort(key=lambda r: (r.get("value") is None, -(int(r["value"]) if str(
                r.get("value") or "").lstrip("-").isdigit() else 0)))
        out.append({**facet, "results": results,
                    "label": labels.FACET_LABELS.get(facet.get("name"), facet.get("name"))})
    return out


def filter_chips(request: Any, filters: Any, path_with_removed_args: Any) -> list[dict[str, str]]:
    """The filters in force (column, value) with a link that removes each."""
    chips = []
    if filters is None:
        return chips
    for column, lookup, value in filters.selections():
        key = column if lookup == "exact" else f"{column}__{lookup}"
        chips.append({"label": labels.FACET_LABELS.get(column) or labels.column_label(column),
                      "op": "" if lookup == "exact" else lookup, "value": value,
                      "remove": path_with_removed_args(request, {key: value})})
    return chips


def exact_count_path(request: Any) -> str:
    """This page with every match counted (and its facets), past the search count cap."""
    return path_with_replaced_args(request, {EXACT_ARG: "exact", CAPPED_ARG: None, "_nocount": None,
                                             "_nofacet": None, "_next": None})


def table_view_wanted(request: Any) -> bool:
    return any(arg in request.args for arg in TABLE_VIEW_ARGS)


def export_path(datasette: Any, database: str, name: str, query_string: str) -> str:
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(query_string or "", keep_blank_values=True)
             if k not in EXPORT_DROP_ARGS]
    path = f"{PREFIX}/export/{urllib.parse.quote(database, safe='')}/{urllib.parse.quote(name, safe='')}.csv"
    return datasette.urls.path(path + ("?" + urllib.parse.urlencode(pairs) if pairs else ""))


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    alias = alias_for(template or "")
    if alias is None:
        return {}

    async def inner() -> dict[str, Any]:
        names = await archive_databases(datasette)
        if database not in names:
            return {"xxgk": None}
        links = await links_for(datasette, database)
        name = table or (request.url_vars.get("table") if request else None)
        canned = None
        match = re.fullmatch(r"query-.+-([A-Za-z0-9_]+)\.html", template or "")
        if match:
            canned = match.group(1)
        context: dict[str, Any] = {
            "links": links, "labels": labels, "figure": figure_html, "snippet": snippet_html,
            "title_html": title_html, "facets": facet_view, "chips": filter_chips,
            "table_view": bool(request and table_view_wanted(request)),
            "key_indicators": [ui.indicator_info(k) for k in KEY_INDICATORS],
            "templates": ui.TEMPLATES, "canned": canned,
            "export": export_path(datasette, database, canned or name or "reports",
                                  request.query_string if request else ""),
            "param_labels": labels.PARAM_LABELS,
            "column_zh": labels.column_zh,
            # A broad search's count stopped at the cap (xxgk/search_plugin.py): "10,000+".
            "count_capped": capped_of(request),
            "exact_count_url": exact_count_path(request) if request else None,
        }
        if canned in ("removed_reports", "changed_reports"):
            db = datasette.get_database(database)
            context["summary"] = await db.execute_fn(ui.archive_summary)
            context["changes"] = await db.execute_fn(ui.changes_summary)
        return {"xxgk": context}

    return inner


@hookimpl
def prepare_connection(conn, database, datasette):
    conn.create_function("xxgk_change", 2, ui.change_text, deterministic=True)
    versions.register(conn)  # the report_versions view reads earlier versions through it


# -- cells on datasette's pages -----------------------------------------------------------------
FIGURE_COLUMNS = set(INDICATOR_KEYS) | labels.FIGURE_COLUMNS


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Figures with thousands separators and 未填报 for blanks, UTC timestamps in local time,
    on the archive's tables and the questions (the report_id / title links: pages_plugin)."""
    if column in FIGURE_COLUMNS and table in ("reports", None):
        if value is None or value == "":
            return figure_html(None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Markup(escape(ui.format_number(value)))
        return None
    if column in labels.TIME_COLUMNS and isinstance(value, str) and value.endswith("Z"):
        return Markup(f'<time datetime="{escape(value)}" title="UTC {escape(value)}">'
                      f'{escape(labels.local_time(value))}</time>')
    if column == "rule" and table is None and isinstance(value, str):
        return Markup(f'<span class="xxgk-rule">{escape(value)}</span>')
    return None


# -- the home page ------------------------------------------------------------------------------
async def home_view(datasette: Any, request: Any) -> Response:
    names = await archive_databases(datasette)
    if not names:
        return await render(datasette, request, "xxgk_error.html",
                            {"message": "没有存档数据库 / no archive database is served",
                             "title": "xxgk archive"}, 404)
    db = datasette.get_database(names[0])
    summary = await db.execute_fn(ui.archive_summary)
    queries = await datasette.get_canned_queries(db.name, request.actor)
    questions = [{"name": name, "title": q.get("title") or name, "description": q.get("description"),
                  "url": datasette.urls.query(db.name, name)}
                 for name, q in queries.items()]
    context = {"summary": summary, "questions": questions, "db_name": db.name,
               "reports_url": datasette.urls.table(db.name, "reports"),
               "title": "政府信息公开工作年度报告存档 / xxgk archive"}
    return await render(datasette, request, "xxgk_home.html", context, db_name=db.name)


# -- CSV downloads ------------------------------------------------------------------------------
def _csv_response(name: str, headers: list[str], rows: list[list[Any]]) -> Response:
    return Response(excel.csv_text(headers, rows).encode("utf-8"), status=200,
                    headers=excel.csv_headers(name), content_type=excel.CONTENT_TYPE)


async def _error(datasette: Any, request: Any, message: str, status: int) -> Response:
    return await render(datasette, request, "xxgk_error.html",
                        {"message": message, "title": message}, status)


def _csv_value(column: str, value: Any) -> Any:
    if column in FIGURE_COLUMNS:
        return excel.figure(value)
    if column in labels.TIME_COLUMNS and isinstance(value, str):
        return labels.local_time(value, seconds=True)
    return value


async def export_view(datasette: Any, request: Any) -> Response:
    """A table (its filters, facets and search applied) or a question as an Excel CSV, read
    through datasette's own JSON API page by page, so it holds exactly what the page lists."""
    db_name = urllib.parse.unquote(request.url_vars["db"])
    name = urllib.parse.unquote(request.url_vars["name"])
    if db_name not in await archive_databases(datasette):
        return await _error(datasette, request, f"没有这个数据库 / no archive database {db_name!r}", 404)
    db = datasette.get_database(db_name)
    is_table = await db.table_exists(name) or name in await db.view_names()  # cells: a view
    canned = None if is_table else await datasette.get_canned_query(db_name, name, request.actor)
    if not is_table and not canned:
        return await _error(datasette, request, f"没有这张表或这个查询 / no table or question {name!r}", 404)
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
             if k not in EXPORT_DROP_ARGS]
    if is_table and name == "reports" and not any(k in ("_col", "_nocol") for k, _ in pairs):
        pairs += [("_col", c) for c in EXPORT_COLUMNS]
    pairs = [(k, v) for k, v in pairs if not k.startswith("_facet")]
    # rows only: no facets, no count, on each page of the JSON API
    pairs += [("_shape", "objects")] + ([("_size", "max"), ("_nofacet", "1"), ("_nocount", "1")]
                                        if is_table else [])
    path: Optional[str] = (f"/{urllib.parse.quote(db_name)}/{urllib.parse.quote(name)}.json?"
                           + urllib.parse.urlencode(pairs))
    columns: Optional[list[str]] = None
    rows: list[dict[str, Any]] = []
    while path and len(rows) < EXPORT_MAX_ROWS:
        response = await datasette.client.get(path)
        data = response.json()
        if response.status_code != 200 or not isinstance(data, dict) or data.get("ok") is False:
            message = (data or {}).get("error") if isinstance(data, dict) else None
            return await _error(datasette, request, f"导出失败 / export failed: {message or response.status_code}", 400)
        batch = data.get("rows") or []
        if columns is None:
            columns = list(data.get("columns") or (batch[0].keys() if batch else []))
        rows.extend(batch)
        next_url = data.get("next_url")
        path = None
        if next_url:
            parts = urllib.parse.urlsplit(next_url)
            path = parts.path + ("?" + parts.query if parts.query else "")
    columns = columns or []
    if is_table and name == "reports" and "id" in columns:  # the id last: people read titles
        columns = [c for c in columns if c != "id"] + ["id"]
    if is_table:
        what = labels.TABLE_LABELS.get(name, name)
        values = [v for k, v in pairs if k == "_search"] + [v for k, v in pairs if not k.startswith("_")]
    else:
        what = labels.zh_of((canned or {}).get("title")) or name
        values = [v for k, v in pairs if not k.startswith("_")]
    body = [[_csv_value(c, row.get(c)) for c in columns] for row in rows[:EXPORT_MAX_ROWS]]
    return _csv_response(excel.file_name(what, *values),
                         excel.headers_for(columns, name if is_table else None), body)


async def agency_csv_view(datasette: Any, request: Any) -> Response:
    agency = urllib.parse.unquote(request.url_vars["agency"])
    try:
        db = await pick_database(datasette, request)
    except NotFound as exc:
        return await _error(datasette, request, str(exc), 404)
    page = await db.execute_fn(lambda conn: ui.agency_page(conn, agency))
    if page is None:
        return await _error(datasette, request, f"没有这个机关的报告 / no reports of {agency}", 404)
    keys = [i["key"] for i in page["indicators"]]
    columns = ["report_year", "title", "template", *keys, "checks_count", "removed_at", "report_id"]
    body = [[r["report_year"], r["title"], r["template"],
             *[excel.figure(r.get(k)) for k in keys], r.get("checks_count") or 0,
             labels.local_time(r.get("removed_at"), seconds=True) if r.get("removed_at") else "",
             r["id"]] for r in page["reports"]]
    return _csv_response(excel.file_name(agency, "indicators"), excel.headers_for(columns), body)


async def chart_csv_view(datasette: Any, request: Any) -> Response:
    from xxgk.pages_plugin import _chart_data

    try:
        _, data = await _chart_data(datasette, request)
    except NotFound as exc:
        return await _error(datasette, request, str(exc), 404)
    except ValueError as exc:
        return await _error(datasette, request, str(exc), 400)
    info = ui.indicator_info(data["indicator"])
    key = data["indicator"]
    if data["kind"] == "line":
        columns = ["report_year", key, "report_id"]
        body = [[y, excel.figure(v), i] for y, v, i in zip(data["labels"], data["values"], data["report_ids"])]
        name = excel.file_name(data["agency"], info["zh"], "历年")
    else:
        columns = ["agency", key, "report_id"]
        body = [[a, excel.figure(v), i] for a, v, i in zip(data["labels"], data["values"], data["report_ids"])]
        body += [[a, excel.figure(None), ""] for a in data.get("missing") or []]
        name = excel.file_name(data["year"], info["zh"], "各机关")
    return _csv_response(name, excel.headers_for(columns), body)


# -- the archived original ------------------------------------------------------------------------
_LINK_ATTR = re.compile(rb"(<a\b[^>]*?\s)href(\s*=)", re.I)
_HEAD_END = re.compile(rb"</head\s*>", re.I)
DISABLED_LINKS_STYLE = (b"<style>a[data-xxgk-href]{color:#666;text-decoration:underline dotted;"
                        b"cursor:not-allowed}</style>")
# Shown only inside the banner page's frame (same origin): framing by this server is allowed,
# by anyone else not (xxgk/security_plugin.py keeps a response's own policy).
ORIGINAL_PAGE_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                     "frame-ancestors 'self'")


def disable_links(body: bytes) -> bytes:
    """The archived HTML with every <a href> turned into data-xxgk-href (shown dotted, leads
    nowhere): the portal's links are dead or outside the archive."""
    out = _LINK_ATTR.sub(rb"\1data-xxgk-href\2", body)
    if _HEAD_END.search(out):
        return _HEAD_END.sub(lambda m: DISABLED_LINKS_STYLE + m.group(0), out, count=1)
    return DISABLED_LINKS_STYLE + out


def capture_error(exc: Exception) -> str:
    """What a reader is told when the original cannot be shown: never a server path."""
    text = str(exc)
    if text.startswith("report ") and "no WARC capture" in text:
        return "这份报告没有存档原件（存档早于保存原件）/ this report was archived before originals were kept"
    if text.startswith("no report"):
        return "没有这份报告 / no such report"
    return "存档原件的文件不在本服务器上 / the archived original's file is not on this server"


async def _capture(datasette: Any, request: Any) -> tuple[Any, Any, Optional[str]]:
    from xxgk.capture import CaptureNotFound, find_capture

    report_id = request.url_vars["report_id"]
    try:
        db = await pick_database(datasette, request)
    except NotFound as exc:
        return None, None, str(exc)
    if not db.path:
        return db, None, "存档不是文件 / the archive is not a file"
    try:
        return db, await asyncio.to_thread(find_capture, db.path, report_id), None
    except CaptureNotFound as exc:
        return db, None, capture_error(exc)
    except (OSError, ValueError, sqlite3.Error) as exc:  # an unreadable WARC file, a damaged archive
        return db, None, capture_error(exc)


def _content_type(capture: Any) -> str:
    return next((value for name, value in capture.headers if name.lower() == "content-type"),
                None) or "application/octet-stream"


async def original_view(datasette: Any, request: Any) -> Response:
    """The archived original inside a banner: 存档副本, capture time, original URL, way back."""
    report_id = request.url_vars["report_id"]
    db, capture, error = await _capture(datasette, request)
    links = await links_for(datasette, db.name if db else None)
    report = None
    if db is not None:
        found = await db.execute_fn(lambda conn: ui.rows(
            conn, "select id, title, agency, report_year, url from reports where id = ?", [report_id]))
        report = found[0] if found else None
    context = {"report": report, "report_id": report_id, "error": error, "capture": capture,
               "captured_local": labels.local_time(capture.captured_at, seconds=True) if capture else None,
               "page_url": links.original(report_id, "page"), "raw_url": links.original(report_id, "raw"),
               "db_name": db.name if db else None,
               "title": "存档副本 / archived copy" + (f" · {report['title']}" if report else "")}
    return await render(datasette, request, "xxgk_original.html", context, 404 if error else 200,
                        db_name=db.name if db else None)


async def original_page_view(datasette: Any, request: Any) -> Response:
    _, capture, error = await _capture(datasette, request)
    if error:
        return await _error(datasette, request, error, 404)
    content_type = _content_type(capture)
    body = disable_links(capture.body) if "html" in content_type.lower() else capture.body
    return Response(body, status=200, content_type=content_type,
                    headers={"content-security-policy": ORIGINAL_PAGE_CSP,
                             "x-frame-options": "SAMEORIGIN", "x-content-type-options": "nosniff"})


async def original_raw_view(datasette: Any, request: Any) -> Response:
    from xxgk.pages_plugin import capture_response

    _, capture, error = await _capture(datasette, request)
    if error:
        return await _error(datasette, request, error, 404)
    return capture_response(capture)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/$", home_view),
        (rf"^{PREFIX}/export/(?P<db>[^/]+)/(?P<name>[^/]+)\.csv$", export_view),
        (rf"^{PREFIX}/agency/(?P<agency>[^/]+)\.csv$", agency_csv_view),
        (rf"^{PREFIX}/chart\.csv$", chart_csv_view),
        (rf"^{PREFIX}/report/(?P<report_id>[^/]+)/original$", original_view),
        (rf"^{PREFIX}/report/(?P<report_id>[^/]+)/original/page$", original_page_view),
        (rf"^{PREFIX}/report/(?P<report_id>[^/]+)/original/raw$", original_raw_view),
    ]
