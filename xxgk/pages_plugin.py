"""Datasette plugin: the journalist pages over the archive (report, agency, charts, original).

Routes (all under /-/xxgk/; `?db=NAME` picks the database when several are served, else the
first one holding an archive):

- /-/xxgk/report/{id}            a report: header, statistics tables rebuilt as printed,
                                 indicators, failed checks, versions, link to the original
- /-/xxgk/report/{id}/original…  the archived original (routes in xxgk.reader_plugin; the
                                 response as received: `capture_response`)
- /-/xxgk/report/{id}.json       the report page's data
- /-/xxgk/agencies               every agency, linking to its page
- /-/xxgk/agency/{name}          an agency's indicators across the years (table + chart)
- /-/xxgk/chart?indicator=K&agency=A   K over the years for A (line)
- /-/xxgk/chart?indicator=K&year=Y     K across agencies in Y (bar)
- /-/xxgk/chart.json?…                 the same data as JSON
- /-/xxgk/static/…               CSS, JS and the vendored Chart.js (no CDN: works offline)

Also: the `reports` table links titles to the report page (render_cell), `report_id` values
link to it everywhere, a `failed_checks` facet type (checks_count > 0: yes / no), table and
menu links. Page content comes from `xxgk.ui` (pure functions, tested without a server).

Registered by the entry point `[project.entry-points.datasette] xxgk_pages =
"xxgk.pages_plugin"` in pyproject.toml.
"""
from __future__ import annotations

import email.utils
import datetime as dt
import json
import pathlib
import re
import urllib.parse
from typing import Any, Optional

from datasette import hookimpl
from datasette.facets import Facet
from datasette.database import QueryInterrupted
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.utils.asgi import Response, asgi_static
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape

from storage.queries import renamed_id
from xxgk import ui
from xxgk.labels import parse_utc, parse_year

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
PREFIX = "/-/xxgk"
CHART_JS = "chart.umd.min.js"  # Chart.js 4.6.1 (MIT), see static/VENDORED.md
REPORT_ID_RE = re.compile(r"^[0-9a-f]{16}$")
SKIP_DATABASES = {"_internal", "_memory"}


# -- where things are -------------------------------------------------------------------------
def report_path(report_id: str) -> str:
    return f"{PREFIX}/report/{urllib.parse.quote(str(report_id), safe='')}"


def agency_path(agency: str) -> str:
    return f"{PREFIX}/agency/{urllib.parse.quote(str(agency), safe='')}"


def chart_path(indicator: str, agency: Optional[str] = None, year: Optional[int] = None) -> str:
    args: dict[str, Any] = {"indicator": indicator}
    if agency:
        args["agency"] = agency
    if year:
        args["year"] = year
    return f"{PREFIX}/chart?" + urllib.parse.urlencode(args)


def static_path(name: str) -> str:
    return f"{PREFIX}/static/{name}"


_ARCHIVES: dict[int, list[str]] = {}


async def archive_databases(datasette: Any) -> list[str]:
    """Names of the served databases that hold an archive (cached per datasette)."""
    cached = _ARCHIVES.get(id(datasette))
    if cached is not None:
        return cached
    names = []
    for name, db in datasette.databases.items():
        if name in SKIP_DATABASES:
            continue
        try:
            # cells: a view over cell_values since migration 4, a table before it
            if await db.table_exists("reports") and (await db.table_exists("cells")
                                                     or "cells" in await db.view_names()):
                names.append(name)
        except Exception:  # an unreadable database is simply not an archive
            continue
    _ARCHIVES[id(datasette)] = names
    return names


class NotFound(Exception):
    pass


async def pick_database(datasette: Any, request: Any) -> Any:
    names = await archive_databases(datasette)
    wanted = request.args.get("db")
    if wanted:
        if wanted not in names:
            raise NotFound(f"no archive database named {wanted!r}")
        return datasette.get_database(wanted)
    if not names:
        raise NotFound("no archive database is served")
    return datasette.get_database(names[0])


def with_db(path: str, db_name: Optional[str]) -> str:
    """`path` for database `db_name`: ?db= only when it is not the default archive."""
    if not db_name:
        return path
    return path + ("&" if "?" in path else "?") + urllib.parse.urlencode({"db": db_name})


class Links:
    """The pages' addresses for one database (base_url and ?db= applied)."""

    def __init__(self, datasette: Any, db_name: Optional[str] = None, default: Optional[str] = None):
        self.ds = datasette
        self.db = db_name if db_name and db_name != default else None

    def _p(self, path: str) -> str:
        return self.ds.urls.path(with_db(path, self.db))

    def report(self, report_id: str) -> str:
        return self._p(report_path(report_id))

    def original(self, report_id: str, part: str = "") -> str:
        """The banner page; part "page" (links disabled) or "raw" (as received)."""
        return self._p(report_path(report_id) + "/original" + (f"/{part}" if part else ""))

    def report_json(self, report_id: str) -> str:
        return self._p(report_path(report_id) + ".json")

    def agency(self, agency: str, indicator: Optional[str] = None) -> str:
        path = agency_path(agency)
        if indicator:
            path += "?" + urllib.parse.urlencode({"indicator": indicator})
        return self._p(path)

    def agency_csv(self, agency: str) -> str:
        return self._p(agency_path(agency) + ".csv")

    def agencies(self) -> str:
        return self._p(f"{PREFIX}/agencies")

    def chart(self, indicator: str, agency: Optional[str] = None, year: Optional[int] = None) -> str:
        return self._p(chart_path(indicator, agency, year))

    def chart_base(self) -> str:
        return self.ds.urls.path(f"{PREFIX}/chart")

    def static(self, name: str) -> str:
        return self.ds.urls.path(static_path(name))


async def links_for(datasette: Any, db_name: Optional[str]) -> Links:
    names = await archive_databases(datasette)
    return Links(datasette, db_name, names[0] if names else None)


async def render(datasette: Any, request: Any, template: str, context: dict[str, Any],
                 status: int = 200, db_name: Optional[str] = None) -> Response:
    links = await links_for(datasette, db_name)
    base = {"links": links, "xxgk_css": links.static("xxgk.css"),
            "xxgk_js": links.static("xxgk-charts.js"), "chart_js": links.static(CHART_JS),
            "fmt": ui.format_number, "db_param": links.db}
    html = await datasette.render_template(template, {**base, **context}, request=request)
    return Response.html(html, status=status)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status,
                    content_type="application/json; charset=utf-8")


async def not_found(datasette: Any, request: Any, message: str) -> Response:
    return await render(datasette, request, "xxgk_error.html", {"message": message}, 404)


def _db_urls(datasette: Any, db_name: str) -> dict[str, str]:
    return {"database": datasette.urls.database(db_name),
            "reports": datasette.urls.table(db_name, "reports"),
            "cells": datasette.urls.table(db_name, "cells"),
            "checks": datasette.urls.table(db_name, "checks")}


# -- routes -----------------------------------------------------------------------------------
async def report_view(datasette: Any, request: Any) -> Response:
    report_id = request.url_vars["report_id"]
    as_json = report_id.endswith(".json")
    if as_json:
        report_id = report_id[:-5]
    try:
        db = await pick_database(datasette, request)
    except NotFound as exc:
        return await not_found(datasette, request, str(exc))
    page = await db.execute_fn(lambda conn: ui.report_page(conn, report_id))
    if page is None:
        # An id from before the report was re-keyed (storage/rekey.py): its page moved.
        new_id = await db.execute_fn(lambda conn: renamed_id(conn, report_id))
        if new_id is not None:
            return Response.redirect(datasette.urls.path(report_path(new_id) + (".json" if as_json else "")),
                                     status=301)
        if as_json:
            return json_response({"error": f"no report {report_id}"}, status=404)
        return await not_found(datasette, request, f"没有这份报告 / no report {report_id}")
    if as_json:
        return json_response(page)
    report = page["report"]
    urls = _db_urls(datasette, db.name)
    quoted = urllib.parse.quote(report_id)
    context = {
        **page,
        "db_name": db.name,
        "urls_": {**urls,
                  "row": f"{urls['reports']}/{quoted}",
                  "cells_of": f"{urls['cells']}?report_id={quoted}",
                  "checks_of": f"{urls['checks']}?report_id={quoted}",
                  "versions_of": datasette.urls.table(db.name, "report_versions") + f"?report_id={quoted}",
                  # UTF-8 with BOM, Chinese headers, a download (xxgk.reader_plugin export_view)
                  "cells_csv": datasette.urls.path(
                      f"{PREFIX}/export/{urllib.parse.quote(db.name, safe='')}/cells.csv?"
                      + urllib.parse.urlencode({"report_id": report_id}))},
        "title": report.get("title") or report_id,
    }
    return await render(datasette, request, "xxgk_report.html", context, db_name=db.name)


def http_date(iso: Optional[str]) -> Optional[str]:
    when = parse_utc(iso)
    return email.utils.format_datetime(when.astimezone(dt.timezone.utc), usegmt=True) if when else None


def capture_response(capture: Any) -> Response:
    """A WARC capture exactly as received: content type from the record, capture time in
    `Memento-Datetime`, sandboxed (it runs nothing on this origin: no scripts, forms, plugins)."""
    content_type = next((value for name, value in capture.headers
                         if name.lower() == "content-type"), None) or "application/octet-stream"
    headers = {
        "Content-Security-Policy": "sandbox",
        "X-Content-Type-Options": "nosniff",
        "X-Xxgk-Captured-At": capture.captured_at or "",
        "X-Xxgk-Original-Url": urllib.parse.quote(capture.url or "", safe=":/?&=%#;,+@~!$'()*[]"),
        "X-Xxgk-Warc": f"{capture.warc_file}#{capture.offset}",
    }
    memento = http_date(capture.captured_at)
    if memento:
        headers["Memento-Datetime"] = memento
    return Response(capture.body, status=200, headers=headers, content_type=content_type)


async def agencies_view(datasette: Any, request: Any) -> Response:
    try:
        db = await pick_database(datasette, request)
    except NotFound as exc:
        return await not_found(datasette, request, str(exc))
    items = await db.execute_fn(ui.agencies)
    return await render(datasette, request, "xxgk_agencies.html",
                        {"agencies": items, "db_name": db.name, "urls_": _db_urls(datasette, db.name),
                         "title": "机关 / agencies"}, db_name=db.name)


async def agency_view(datasette: Any, request: Any) -> Response:
    agency = urllib.parse.unquote(request.url_vars["agency"])
    try:
        db = await pick_database(datasette, request)
    except NotFound as exc:
        return await not_found(datasette, request, str(exc))
    page = await db.execute_fn(lambda conn: ui.agency_page(conn, agency))
    if page is None:
        return await not_found(datasette, request, f"没有这个机关的报告 / no reports of {agency}")
    urls = _db_urls(datasette, db.name)
    chosen = request.args.get("indicator") or page["default_indicator"]
    if chosen not in page["series"]:
        chosen = page["default_indicator"]
    links = await links_for(datasette, db.name)
    context = {**page, "db_name": db.name, "chosen": chosen,
               "csv_url": links.agency_csv(agency),
               "chart": page["series"].get(chosen),
               "series_json": Markup(_script_json(page["series"])),
               "urls_": {**urls, "reports_of": f"{urls['reports']}?"
                         + urllib.parse.urlencode({"agency": agency})},
               "title": agency}
    return await render(datasette, request, "xxgk_agency.html", context, db_name=db.name)


def _script_json(data: Any) -> str:
    """JSON safe inside <script type="application/json">."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


async def _chart_data(datasette: Any, request: Any) -> tuple[Any, dict[str, Any]]:
    db = await pick_database(datasette, request)
    indicator = request.args.get("indicator") or ui.DEFAULT_INDICATOR
    ui.check_indicator(indicator)
    agency = request.args.get("agency")
    year = request.args.get("year")
    if agency:
        data = await db.execute_fn(lambda conn: ui.series(conn, indicator, agency))
    else:
        year_n = parse_year(year)  # 2022, 2022年 or 2022年度; ValueError otherwise
        if year_n is None:
            year_n = await db.execute_fn(lambda conn: ui.latest_year_with(conn, indicator))
        if year_n is None:
            year_n = dt.date.today().year - 1
        data = await db.execute_fn(lambda conn: ui.distribution(conn, indicator, year_n))
    links = await links_for(datasette, db.name)
    data["report_paths"] = [links.report(i) for i in data["report_ids"]]
    return db, data


async def chart_json_view(datasette: Any, request: Any) -> Response:
    try:
        _, data = await _chart_data(datasette, request)
    except NotFound as exc:
        return json_response({"error": str(exc)}, status=404)
    except ValueError as exc:
        return json_response({"error": str(exc)}, status=400)
    return json_response(data)


async def chart_view(datasette: Any, request: Any) -> Response:
    try:
        db, data = await _chart_data(datasette, request)
    except NotFound as exc:
        return await not_found(datasette, request, str(exc))
    except ValueError as exc:
        return await render(datasette, request, "xxgk_error.html", {"message": str(exc)}, 400)
    agencies = await db.execute_fn(ui.agencies)
    years = await db.execute_fn(ui.years)
    json_url = f"{PREFIX}/chart.json?{request.query_string}" if request.query_string \
        else f"{PREFIX}/chart.json"
    csv_url = f"{PREFIX}/chart.csv?{request.query_string}" if request.query_string \
        else f"{PREFIX}/chart.csv"
    context = {"chart": data, "chart_json": Markup(_script_json(data)),
               "csv_url": datasette.urls.path(csv_url), "gaps": ui.year_gaps(data),
               "indicators": ui.indicator_choices(), "agencies": agencies, "years": years,
               "db_name": db.name, "json_url": json_url, "urls_": _db_urls(datasette, db.name),
               "title": data["title"]}
    return await render(datasette, request, "xxgk_chart.html", context, db_name=db.name)


@hookimpl
def register_routes(datasette):
    return [
        (rf"^{PREFIX}/report/(?P<report_id>[^/]+)$", report_view),
        (rf"^{PREFIX}/agencies$", agencies_view),
        (rf"^{PREFIX}/agency/(?P<agency>[^/]+?)(?<!\.csv)$", agency_view),  # .csv: reader_plugin
        (rf"^{PREFIX}/chart$", chart_view),
        (rf"^{PREFIX}/chart\.json$", chart_json_view),
        (rf"^{PREFIX}/static/(?P<path>.*)$", asgi_static(STATIC_DIR)),
    ]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """Our templates after everyone's: a --template-dir or another plugin can override them,
    and ours never shadow datasette's own."""
    if not any(isinstance(l, FileSystemLoader) and str(TEMPLATES_DIR) in l.searchpath
               for l in getattr(env.loader, "loaders", [])):
        env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES_DIR))])


# -- links from datasette's own pages -----------------------------------------------------------
def _link(href: str, text: Any, css: str = "xxgk-link") -> Markup:
    """An <a> element; `href` and `text` are escaped."""
    return Markup(f'<a class="{css}" href="{escape(href)}">{escape(text)}</a>')


def _row_get(row: Any, key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError, TypeError):
        return None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    async def inner():
        names = await archive_databases(datasette)
        if database not in names:
            return None
        links = Links(datasette, database, names[0])
        if column == "report_id" and isinstance(value, str) and REPORT_ID_RE.match(value):
            return _link(links.report(value), value)
        if column == "title" and isinstance(value, str) and table in ("reports", None):
            report_id = _row_get(row, "id") or (_row_get(row, "report_id") if table is None else None)
            if isinstance(report_id, str) and REPORT_ID_RE.match(report_id):
                return _link(links.report(report_id), value, "xxgk-link xxgk-report-link")
        if table is None and column == "agency" and isinstance(value, str) and value:
            return _link(links.agency(value), value)
        return None

    if column not in ("report_id", "title", "agency"):
        return None
    return inner


@hookimpl
def table_actions(datasette, actor, database, table, request):
    if table != "reports":
        return None
    links = Links(datasette)
    return [
        {"href": links.agencies(), "label": "各机关指标 / agencies over the years"},
        {"href": links.chart(ui.DEFAULT_INDICATOR), "label": "图表 / charts"},
    ]


@hookimpl
def menu_links(datasette, actor, request):
    links = Links(datasette)
    return [
        {"href": links.agencies(), "label": "机关 / agencies"},
        {"href": links.chart(ui.DEFAULT_INDICATOR), "label": "图表 / charts"},
    ]


@hookimpl
def extra_css_urls(template, database, table, columns, view_name, request, datasette):
    return [datasette.urls.path(static_path("xxgk.css"))]


# -- facet: has the report failed checks? --------------------------------------------------------
class FailedChecksFacet(Facet):
    """`checks_count > 0` as a yes/no facet: ?_facet_failed_checks=checks_count, or
    {"failed_checks": "checks_count"} in the table's metadata facets. Selecting "yes" adds
    checks_count__gt=0, "no" adds checks_count=0."""

    type = "failed_checks"
    LABELS = {1: "有 / yes: 勾稽关系不符", 0: "无 / no"}

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        qs_pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (f"select ({col} > 0) as failed, count(*) as count from ({self.sql}) "
                   f"where {col} is not null group by failed order by failed desc")
            try:
                found = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                              custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for row in found.rows:
                failed = int(row["failed"])
                arg = (f"{column}__gt", "0") if failed else (column, "0")
                selected = arg in qs_pairs
                toggle = (path_with_removed_args(self.request, {arg[0]: arg[1]}) if selected
                          else path_with_added_args(self.request, {arg[0]: arg[1]}))
                values.append({"value": failed, "label": self.LABELS[failed],
                               "count": row["count"], "selected": selected,
                               "toggle_url": self.ds.absolute_url(self.request,
                                                                  self.ds.urls.path(toggle))})
            results.append({
                "name": column, "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(
                    self.request, {f"_facet_{self.type}": column})),
                "results": values, "truncated": False,
            })
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [FailedChecksFacet]
