"""Datasette plugin: the `reports` table's own search box finds Chinese words of any length.

Datasette's built-in `?_search=` passes the query to the FTS table as it is; the archive's
trigram index (`reports_fts`) matches nothing for a one- or two-character word (复议, 预算), so
the box found nothing for them, and a short word next to a long one was dropped from the
query instead of being required. Here `?_search=` on `reports` (HTML page and JSON API alike)
is answered by `storage.search.search_clauses` instead: 3+ character words through the
trigram index, 1-2 character words through the short-word index (`reports_grams`), index
numbers through `index_no` too, every word required. A query whose words are in most reports
gets the "broad" form of the clauses (see `search_clauses`), decided by capped counts first.

How: a hook wrapper around `filters_from_request` takes datasette's own `search_filters`
result out of the list for that request (so its MATCH is not ANDed as well) and puts ours in,
which also keeps the search box on the page with the query in it. Other tables, `_search_COL=`
and `?_searchmode=raw` (FTS5 syntax on purpose) keep datasette's behaviour.

Also: SQL functions for the ranked `search` canned query (`storage.search.SEARCH_SQL`) on
every connection, and its `snippet` column rendered with the <mark> highlights as HTML.

Registered by the entry point `[project.entry-points.datasette] xxgk = "xxgk.search_plugin"`
in pyproject.toml.
"""
from __future__ import annotations

import json
import os
import urllib.parse
from typing import Any, Awaitable, Callable, Optional

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from storage.search import (FTS_TABLE, GRAMS_TABLE, MARK_CLOSE, MARK_OPEN, broad_cap,
                              broad_probes, fts_phrase, key_lookup_sql, plan_search,
                              register_functions, register_query_functions, search_clauses,
                              split_terms)

SEARCH_TABLE = "reports"
SCOPE_CACHE = "xxgk_search_filters"  # ASGI scope key: this request's search clauses, planned once
SNIPPET_COLUMN = "snippet"


def _is_builtin_search(result: Any) -> bool:
    """Datasette's own ?_search= handler (datasette/filters.py search_filters)."""
    return (getattr(result, "__module__", None) == "datasette.filters"
            and getattr(result, "__qualname__", "").startswith("search_filters."))


def _wanted(request: Any, database: str, table: Optional[str], datasette: Any) -> bool:
    if table != SEARCH_TABLE or request is None or "_search" not in request.args:
        return False
    raw = datasette.table_metadata(database, table).get("searchmode") == "raw"
    mode = request.args.get("_searchmode")
    return not (mode == "raw" or (raw and mode != "escaped"))


async def _is_broad(db: Any, query: str, grams: bool) -> bool:
    """storage.search.is_broad through datasette's connection pool (a few ms)."""
    probes = broad_probes(query, grams)
    if not probes:
        return False
    cap = broad_cap((await db.execute(probes[0][0])).single_value())
    for sql, params in probes[1:]:
        if (await db.execute(sql, {**params, "cap": cap})).single_value() < cap:
            return False
    return True


# Index-number-like terms are looked up once per request (a scan of the index on index_no)
# and listed in the clauses when they find at most this many reports.
KEY_ROWIDS_MAX = 1000


async def _key_rowids(db: Any, query: str, grams: bool) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for term in plan_search(query, grams).key_terms:
        sql = f"select rowid from ({key_lookup_sql()}) limit {KEY_ROWIDS_MAX + 1}"
        rows = [row[0] for row in await db.execute(
            sql, {"keyfts": fts_phrase(term), "key": term})]
        if len(rows) <= KEY_ROWIDS_MAX:
            found[term] = rows
    return found


# A selective search's matches are looked up once per request and listed (JSON) in the clause
# when there are at most this many: the count, the page and each facet then read the list
# instead of running the index lookups again (one of them may be a broad short word).
MATCH_ROWIDS_MAX = 1000


async def _as_rowid_list(db: Any, clauses: list[str], params: dict[str, Any]
                         ) -> tuple[list[str], dict[str, Any]]:
    sql = (f"select rowid from [{SEARCH_TABLE}] where {' and '.join(clauses)}"
           f" limit {MATCH_ROWIDS_MAX + 1}")
    rows = [row[0] for row in await db.execute(sql, params)]
    if len(rows) > MATCH_ROWIDS_MAX:
        return clauses, params
    return ["rowid in (select value from json_each(:xxgk_search_rowids))"], \
        {"xxgk_search_rowids": json.dumps(rows)}


def any_length_search(request: Any, database: str, table: str, datasette: Any,
                      fallback: Optional[Callable[[], Awaitable[Any]]] = None
                      ) -> Callable[[], Awaitable[Optional[FilterArguments]]]:
    """The ?_search= filter for `reports` (a filters_from_request result)."""
    async def inner() -> Optional[FilterArguments]:
        db = datasette.get_database(database)
        if not await db.table_exists(FTS_TABLE):  # not an archive: datasette's way
            return await fallback() if fallback else None
        query = request.args.get("_search") or ""
        context = {"supports_search": True, "search": query}
        if not split_terms(query):  # an empty box filters nothing
            return FilterArguments([], extra_context=context)
        # Planned once per request: the capped count (below) plans it before the table view.
        cache = request.scope.get(SCOPE_CACHE)
        if cache is not None and (database, query) in cache:
            return cache[(database, query)]
        grams = await db.table_exists(GRAMS_TABLE)
        broad = await _is_broad(db, query, grams)
        key_rowids = await _key_rowids(db, query, grams)
        clauses, params = search_clauses(query, "rowid", grams=grams, broad=broad,
                                         key_rowids=key_rowids)
        if not broad:  # a few matches: found once, then every statement of the page reads the list
            clauses, params = await _as_rowid_list(db, clauses, params)
        found = FilterArguments(clauses, params, [f'search matches "{query}"'], context)
        if cache is not None:
            cache[(database, query)] = found
        return found

    return inner


@hookimpl(hookwrapper=True)
def filters_from_request(request, database, table, datasette):
    outcome = yield
    if not _wanted(request, database, table, datasette):
        return
    results = list(outcome.get_result() or [])
    builtin = [r for r in results if _is_builtin_search(r)]
    kept = [r for r in results if not _is_builtin_search(r)]
    fallback = builtin[0] if builtin else None
    outcome.force_result(kept + [any_length_search(request, database, table, datasette,
                                                   fallback)])


@hookimpl
def prepare_connection(conn, database, datasette):
    register_functions(conn)  # so a writer through datasette keeps the short-word index
    register_query_functions(conn)


def render_snippet(value: Any) -> Optional[Markup]:
    """Escape a snippet and keep only its <mark>…</mark> highlights as HTML."""
    if not isinstance(value, str) or MARK_OPEN not in value:
        return None
    html = str(escape(value))
    html = html.replace(str(escape(MARK_OPEN)), MARK_OPEN).replace(str(escape(MARK_CLOSE)), MARK_CLOSE)
    return Markup(html)


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == SNIPPET_COLUMN and table is None:
        return render_snippet(value)
    return None


# -- capped counts for broad searches ----------------------------------------------------------
# A search that matches most of 100,000 reports spends its time counting them and grouping
# them by every facet (measured: 1-2.5 s of the 2 s a broad `?_search=` took). So before
# datasette answers a search of `reports`, the matches are counted up to COUNT_CAP + 1 (all
# filters and the search applied, cheap). Past the cap, datasette is asked for no count and no
# facets (`_nocount`, `_nofacet`, marked by CAPPED_ARG so later requests decide again), the page
# says "10,000+" and links to the exact count (EXACT_ARG=exact: count everything, facets
# too). The count shown is never wrong: exact up to the cap, "more than the cap" past it.
COUNT_CAP_ENV = "XXGK_SEARCH_COUNT_CAP"
COUNT_CAP_DEFAULT = 10_000
CAPPED_ARG = "_xxgk_capped"
EXACT_ARG = "_xxgk_count"
CAPPED_ARGS = (CAPPED_ARG, "_nocount", "_nofacet")
CAPPED_JSON_KEY = "xxgk_count_more_than"  # in the JSON of a capped search: the cap


def count_cap() -> int:
    """The cap ($XXGK_SEARCH_COUNT_CAP, default 10,000; 0 = always count exactly). A value that
    is not a whole number ≥ 0 is ignored (the default holds)."""
    value = (os.environ.get(COUNT_CAP_ENV) or "").strip().replace(",", "").replace("_", "")
    return int(value) if value.isdigit() else COUNT_CAP_DEFAULT


def capped_of(request: Any) -> Optional[int]:
    """The cap when this request's count was capped (the template's "10,000+"), else None."""
    if request is None or CAPPED_ARG not in request.args:
        return None
    return count_cap() or None


def _search_table_request(scope: dict, datasette: Any) -> Optional[tuple[str, bool]]:
    """(database, is_json) when `scope` asks for the reports table page or its JSON."""
    if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD"):
        return None
    path = scope.get("path") or ""
    if not path.endswith((f"/{SEARCH_TABLE}", f"/{SEARCH_TABLE}.json")):
        return None
    for name in datasette.databases:
        table_path = datasette.urls.table(name, SEARCH_TABLE)
        if path in (table_path, table_path + ".json"):
            return name, path.endswith(".json")
    return None


async def capped_count(datasette: Any, database: str, request: Any, cap: int) -> Optional[int]:
    """How many reports the request's filters and search match, counted up to cap + 1; None
    when that cannot be told (a bad filter, a time-out: datasette then answers as it would)."""
    from datasette.filters import Filters
    from datasette.plugins import pm
    from datasette.utils import await_me_maybe
    from datasette.views.base import ureg

    # The table view's own steps (datasette/views/table.py): query-string filters, then the
    # filters_from_request hooks (our search among them).
    args = request.args
    filter_args = [(key, value) for key in args if not (key.startswith("_") and "__" not in key)
                   for value in args.getlist(key)]
    units = datasette.table_metadata(database, SEARCH_TABLE).get("units", {})
    try:
        where, params = Filters(sorted(filter_args), units, ureg).build_where_clauses(SEARCH_TABLE)
        for hook in pm.hook.filters_from_request(request=request, table=SEARCH_TABLE,
                                                 database=database, datasette=datasette):
            found = await await_me_maybe(hook)
            if found:
                where.extend(found.where_clauses)
                params.update(found.params)
        sql = (f"select count(*) from (select 1 from [{SEARCH_TABLE}]"
               f"{' where ' + ' and '.join(where) if where else ''} limit {int(cap) + 1})")
        return (await datasette.get_database(database).execute(sql, params)).single_value()
    except Exception:  # datasette reports a bad request itself, in its own words
        return None


async def decide_count(scope: dict, datasette: Any, database: str) -> tuple[dict, Optional[int]]:
    """The request as datasette should see it, and the cap when its count is capped."""
    from datasette.utils.asgi import Request

    pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(key == CAPPED_ARG for key, _ in pairs):  # a link of a capped page: decide again
        pairs = [(key, value) for key, value in pairs if key not in CAPPED_ARGS]
    keys = {key for key, _ in pairs}
    plain = dict(scope, query_string=urllib.parse.urlencode(pairs).encode("latin-1"))
    plain[SCOPE_CACHE] = {}
    cap = count_cap()
    if (not cap or not any(key == "_search" and split_terms(value) for key, value in pairs)
            or dict(pairs).get(EXACT_ARG) == "exact" or keys & {"_nocount", "_searchmode"}):
        return plain, None
    found = await capped_count(datasette, database, Request(plain, None), cap)
    if found is None or found <= cap:
        return plain, None
    pairs += [("_nocount", "1"), ("_nofacet", "1"), (CAPPED_ARG, "1")]
    return dict(scope, query_string=urllib.parse.urlencode(pairs).encode("latin-1")), cap


def _with_capped_json(send: Callable, cap: int) -> Callable:
    """`send` for a capped JSON answer: the object gets CAPPED_JSON_KEY = cap (its
    filtered_table_rows_count is null: not counted)."""
    held: dict[str, Any] = {}
    body = bytearray()

    async def wrapped(event: dict) -> None:
        if event.get("type") == "http.response.start":
            held["start"] = event
            return
        if event.get("type") != "http.response.body" or "start" not in held:
            return await send(event)
        body.extend(event.get("body") or b"")
        if event.get("more_body"):
            return
        start, data = held.pop("start"), bytes(body)
        try:
            obj = json.loads(data) if start.get("status") == 200 else None
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            obj[CAPPED_JSON_KEY] = cap
            data = json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8")
            start = {**start, "headers": [(k, v) for k, v in start.get("headers") or []
                                          if k.lower() != b"content-length"]
                     + [(b"content-length", str(len(data)).encode())]}
        await send(start)
        await send({"type": "http.response.body", "body": data})

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def capped_search(scope, receive, send):
            target = _search_table_request(scope, datasette)
            if target is None:
                return await app(scope, receive, send)
            database, is_json = target
            scope, cap = await decide_count(scope, datasette, database)
            if cap is not None and is_json:
                send = _with_capped_json(send, cap)
            return await app(scope, receive, send)
        return capped_search
    return wrap
