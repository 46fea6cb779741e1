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

from typing import Any, Awaitable, Callable, Optional

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from storage.search import (FTS_TABLE, GRAMS_TABLE, MARK_CLOSE, MARK_OPEN, broad_cap,
                              broad_probes, fts_phrase, key_lookup_sql, plan_search,
                              register_functions, register_query_functions, search_clauses,
                              split_terms)

SEARCH_TABLE = "reports"
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
        grams = await db.table_exists(GRAMS_TABLE)
        broad = await _is_broad(db, query, grams)
        key_rowids = await _key_rowids(db, query, grams)
        clauses, params = search_clauses(query, "rowid", grams=grams, broad=broad,
                                         key_rowids=key_rowids)
        return FilterArguments(clauses, params, [f'search matches "{query}"'], context)

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
