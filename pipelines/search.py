"""Search over reports that finds Chinese words of any length.

The FTS5 trigram index (`reports_fts`) indexes 3-character sequences, so by SQLite's design a
MATCH for a 1-2 character word such as 复议 or 预算 finds nothing. Here terms of 3+ characters
go through the index (quoted as phrases, ranked by bm25) and shorter ones through instr() on
the indexed columns; all terms are ANDed. The SQL is built in one place (`search_sql`) so a
datasette plugin for `?_search=` (the later issue) can reuse it; `SEARCH_SQL` is the same
rule for one phrase, as a datasette canned query with a `:q` parameter.
"""
from __future__ import annotations

import os
import re
import sqlite3
from typing import Any, Union

MIN_FTS_CHARS = 3  # the trigram tokenizer's n
SEARCH_COLUMNS = ("title", "agency", "body_text")

# One phrase `:q`, any length: for a canned query, where SQL cannot split terms.
SEARCH_SQL = """select r.rowid, r.id, r.title, r.agency, r.report_year, r.template, r.url
from reports r
where length(trim(:q)) > 0 and case
  when length(trim(:q)) >= 3 then r.rowid in (
    select rowid from reports_fts
    where reports_fts match '"' || replace(trim(:q), '"', '""') || '"')
  else instr(lower(coalesce(r.title, '')), lower(trim(:q))) > 0
    or instr(lower(coalesce(r.agency, '')), lower(trim(:q))) > 0
    or instr(lower(coalesce(r.body_text, '')), lower(trim(:q))) > 0
end
order by r.report_year desc, r.agency
limit 200"""

DbRef = Union[str, os.PathLike, sqlite3.Connection, Any]


def split_terms(query: str) -> list[str]:
    """Words separated by white space (ASCII or the ideographic space U+3000), de-duplicated."""
    terms: list[str] = []
    for term in re.split(r"[\s\u3000]+", query or ""):
        term = term.strip('"')
        if term and term not in terms:
            terms.append(term)
    return terms


def fts_phrase(term: str) -> str:
    """A term as an FTS5 phrase, so operators and punctuation in it are taken literally."""
    return '"' + term.replace('"', '""') + '"'


def search_sql(query: str, limit: int = 50) -> tuple[str, list[Any]]:
    """SQL and parameters for `query`.

    Columns: rowid, id, title, agency, body_text, score (bm25, lower is better; null when
    every term is short and no index was used).
    """
    terms = split_terms(query)
    long_terms = [t for t in terms if len(t) >= MIN_FTS_CHARS]
    short_terms = [t for t in terms if len(t) < MIN_FTS_CHARS]
    params: list[Any] = []
    where: list[str] = []
    if long_terms:
        select_rank, join = "bm25(reports_fts)", "join reports_fts on reports_fts.rowid = r.rowid"
        where.append("reports_fts match ?")
        params.append(" AND ".join(fts_phrase(t) for t in long_terms))
        order = "score, r.rowid"
    else:
        select_rank, join, order = "null", "", "r.report_year desc, r.rowid"
    for term in short_terms:
        where.append(
            "(" + " or ".join(
                f"instr(lower(coalesce(r.{col}, '')), lower(?)) > 0" for col in SEARCH_COLUMNS
            ) + ")"
        )
        params.extend([term] * len(SEARCH_COLUMNS))
    if not where:
        where.append("0")
    sql = (
        f"select r.rowid as rowid, r.id as id, r.title as title, r.agency as agency,"
        f" r.body_text as body_text, {select_rank} as score from reports r {join}"
        f" where {' and '.join(where)} order by {order} limit ?"
    )
    params.append(int(limit))
    return sql, params


def make_snippet(text: str, terms: list[str], width: int = 40) -> str:
    """The text around the first hit of any term, with … where it was cut."""
    if not text:
        return ""
    lowered = text.lower()
    hits = [i for i in (lowered.find(t.lower()) for t in terms) if i >= 0]
    if not hits:
        return text[: width * 2] + ("…" if len(text) > width * 2 else "")
    start = max(0, min(hits) - width)
    end = min(len(text), min(hits) + width)
    snippet = re.sub(r"\s+", " ", text[start:end]).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


def _connect(db: DbRef) -> tuple[sqlite3.Connection, bool]:
    if isinstance(db, sqlite3.Connection):
        return db, False
    if hasattr(db, "conn") and isinstance(db.conn, sqlite3.Connection):  # sqlite_utils.Database
        return db.conn, False
    path = os.fspath(db)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no archive at {path}")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True), True


def search_reports(db_path_or_conn: DbRef, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """Reports matching every term of `query`, best first: [{rowid, id, title, snippet}]."""
    terms = split_terms(query)
    if not terms:
        return []
    sql, params = search_sql(query, limit)
    conn, owned = _connect(db_path_or_conn)
    try:
        cursor = conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        results = []
        for values in cursor:
            row = dict(zip(names, values))
            body = row.pop("body_text") or ""
            row["snippet"] = make_snippet(body if body else row.get("title") or "", terms)
            results.append(row)
        return results
    finally:
        if owned:
            conn.close()
