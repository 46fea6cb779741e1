"""Search over reports that finds Chinese words of any length.

Two FTS5 indexes over `reports` (title, agency, body_text), both kept in sync by triggers:

- `reports_fts`, the trigram index: every 3-character sequence, with positions. A term of 3+
  characters is an exact substring query on it (quoted as a phrase), ranked by bm25. By
  SQLite's design it finds *nothing* for a 1-2 character word such as 复议 or 预算.
- `reports_grams`, the short-word index (title, agency, index_no, body_text): for every run of
  non-space characters, each pair of neighbouring characters (a bigram) and the run's last
  character, as tokens. Contentless and `detail=none` (which documents hold a token, nothing
  more), so it is small (60 MiB per 100,000 reports, against 400 MiB for the trigram index).
  A 2-character term is present in a document exactly when its bigram token is; a
  1-character term exactly when some token starts with that character (an FTS5 prefix
  query). Tokens are the lower-case hex of the UTF-8 bytes (复议 -> e5a48de8aeae), so the
  `ascii` tokenizer keeps any character, punctuation included, and a prefix of whole bytes
  names one character (UTF-8 is prefix-free).

The tokens are made in Python: the triggers call the SQL function `xxgk_grams_v1`, which
every connection that writes `reports` must register (`register_functions`; `Archive` does).
A writer without it fails loudly ("no such function") instead of leaving the index stale.
Changing `gram_tokens` needs a new function and index name: a contentless index deletes a
document by re-deriving its tokens.

Index numbers (索引号 such as 12330800002618357U/2018-103701) are not in the trigram index, so
a 3+ character term that looks like one (ASCII letters, digits and - / . _ with a digit) matches
the trigram index *or* `index_no` (a substring scan of the small index on that column).

All terms of a query are ANDed. Queries need no SQL function: `search_clauses` /
`search_sql` build the MATCH expressions in Python and pass them as parameters. Matching is
cheap (a few ms even for a word in every report); reading the matched rows is not, so a query
whose words are in most reports (`is_broad`) is written to scan small indexes and probe the
match set rather than seek every match (see `search_clauses`). The datasette
plugin (`xxgk/search_plugin.py`) routes `?_search=` on `reports` through `search_clauses`;
`SEARCH_SQL` is the ranked canned query, which uses functions the plugin registers
(`register_query_functions`).
"""
from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any, Optional, Union

MIN_FTS_CHARS = 3  # the trigram tokenizer's n
SEARCH_COLUMNS = ("title", "agency", "body_text")  # the trigram index's columns
GRAMS_COLUMNS = ("title", "agency", "index_no", "body_text")
FTS_TABLE = "reports_fts"
GRAMS_TABLE = "reports_grams"
GRAMS_FUNCTION = "xxgk_grams_v1"
# Ranking weights for bm25 over (title, agency, body_text): a hit in the title counts most.
BM25_WEIGHTS = (10.0, 5.0, 1.0)
TF_K1 = 1.2  # bm25's k1: how fast more occurrences stop adding to a short word's score
TF_LENGTH = 500  # characters: a longer text needs more occurrences for the same score
MARK_OPEN, MARK_CLOSE, ELLIPSIS = "<mark>", "</mark>", "…"

DbRef = Union[str, os.PathLike, sqlite3.Connection, Any]

_SPACE_RE = re.compile(r"\s+")
_TERM_RE = re.compile(r'"([^"]*)"|([^\s"]+)')
_CONTROLS = {c: " " for c in range(32)}
_KEY_TERM_RE = re.compile(r"^(?=.*[0-9])[0-9A-Za-z][0-9A-Za-z./_\-]*$")


# -- terms ------------------------------------------------------------------------------------
def split_terms(query: str) -> list[str]:
    """Words separated by white space (ASCII or the ideographic space U+3000), de-duplicated.

    A double-quoted phrase is one term even when it holds spaces; a stray quote separates.
    Control characters separate too: FTS5 reads a NUL as the end of the query string.
    """
    terms: list[str] = []
    for quoted, bare in _TERM_RE.findall((query or "").translate(_CONTROLS)):
        term = (quoted or bare).strip()
        if term and term not in terms:
            terms.append(term)
    return terms


def fold(text: str) -> str:
    """Lower case, one character for one (the few characters whose lower case is longer stay)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def fts_phrase(term: str) -> str:
    """A term as an FTS5 phrase, so operators and punctuation in it are taken literally."""
    return '"' + term.replace('"', '""') + '"'


# -- the short-word index ---------------------------------------------------------------------
_HEX: dict[int, str] = {}  # code point -> its UTF-8 as hex
_HEX_MAX = 100_000         # distinct characters remembered (a hostile text of ever-new ones starts again)
_SPACE = ord(" ")
_SWAP = sys.byteorder != "little"  # 8 bytes of UTF-32-LE as a number: the first character low


def _hex(code: int) -> str:
    value = _HEX.get(code)
    if value is None:
        if len(_HEX) >= _HEX_MAX:
            _HEX.clear()
        value = _HEX[code] = chr(code).encode("utf-8", "surrogatepass").hex()
    return value


def gram_tokens(*texts: Optional[str]) -> set[str]:
    """The short-word index's tokens for some texts (each text on its own: no pair spans two):
    the hex UTF-8 of every pair of adjacent characters, and of each run's last character.

    Python strings are too slow for this (one new string per pair: 0.6 ms a report). Each
    white-space run becomes one space, the text is read as UTF-32 and every pair of adjacent
    characters is one 64-bit number (the text's 8-byte words, from its first and from its
    second character); a pair's token is made once per process (`_TOKENS`), so most reports
    only look theirs up. A pair with the space is none: the character before the space ends a
    run."""
    codes: set[int] = set()   # pairs, and runs' last characters (as pairs with the space)
    for text in texts:
        if not text:
            continue
        flat = " ".join(fold(str(text)).split())  # what _SPACE_RE.sub(" ", …).strip() gives, faster
        if not flat:
            continue
        words = (flat + " ").encode("utf-32-le", "surrogatepass")  # the last character: a pair too
        count = len(flat) + 1
        for pairs in (array("Q", words[:count // 2 * 8]), array("Q", words[4:4 + (count - 1) // 2 * 8])):
            if _SWAP:
                pairs.byteswap()
            codes.update(pairs)
    missing = codes.difference(_TOKENS)  # looks each of `codes` up, however large _TOKENS is
    if missing:
        if len(_TOKENS) + len(missing) > _TOKENS_MAX:
            _TOKENS.clear()
            missing = codes
        for code in missing:
            _TOKENS[code] = _pair_token(code)
    tokens = set(map(_TOKENS.__getitem__, codes))
    tokens.discard("")
    return tokens


_TOKENS: dict[int, str] = {}  # pair (as gram_tokens reads it) -> its token, "" for none
_TOKENS_MAX = 50_000          # pairs remembered (~9 MiB at most; a text of ever-new ones starts again)


def _pair_token(code: int) -> str:
    first = code & 0xFFFFFFFF
    if first == _SPACE:
        return ""
    second = code >> 32
    return _hex(first) if second == _SPACE else _hex(first) + _hex(second)


# Tokens of the title and of the agency are also stored marked with a letter that is not a hex
# digit, so the index also tells where a short word is (for ranking, see SEARCH_SQL) and a
# marked token never matches an unmarked query.
HEAD_MARKS = {"title": "t", "agency": "u"}


def grams_text(title: Optional[str], agency: Optional[str], index_no: Optional[str],
               body_text: Optional[str]) -> str:
    """What the index stores for a report (SQL function `xxgk_grams_v1`, GRAMS_COLUMNS order).

    The tokens in no particular order: the index keeps which documents hold a token, nothing
    more (detail=none), so a document is indexed and deleted alike whatever their order."""
    tokens = gram_tokens(title, agency, index_no, body_text)
    if title:
        tokens.update(map(HEAD_MARKS["title"].__add__, gram_tokens(title)))
    if agency:
        tokens.update(map(HEAD_MARKS["agency"].__add__, gram_tokens(agency)))
    return " ".join(tokens)


def gram_expression(term: str, where: Optional[str] = None) -> Optional[str]:
    """FTS5 expression on `reports_grams` for a 1-2 character term; None when it has none.

    `where` ("title" or "agency") asks for the term in that column only.
    """
    folded = fold(term)
    if not 1 <= len(folded) <= 2 or _SPACE_RE.search(folded):
        return None
    token = HEAD_MARKS.get(where or "", "") + "".join(_hex(ord(c)) for c in folded)
    return f'"{token}"' if len(folded) == 2 else f'"{token}"*'


# Length caps on what the Python SQL functions read. SQLite's progress handler (datasette's
# sql_time_limit_ms) cannot interrupt a Python function, so one call must stay short whatever
# `?sql=` feeds it: under ~0.2 s per call for these sizes (measured on one core).
MAX_QUERY_CHARS = 1_000            # a search query (q): the rest is ignored
MAX_MARK_CHARS = 200_000           # text xxgk_mark highlights (the output is ~14x longer at worst)
MAX_SCAN_CHARS = 2_000_000         # text xxgk_snippet / xxgk_has_keys look through
MAX_GRAMS_CHARS = 2_000_000        # text the short-word index reads per report, all columns together


def _cut(text: Optional[str], limit: int) -> Optional[str]:
    return text[:limit] if isinstance(text, str) and len(text) > limit else text


def _capped_grams_text(*columns: Optional[str]) -> str:
    if _READY:
        ready = _READY.pop(columns, None)
        if ready is not None:
            return ready
    left, cut = MAX_GRAMS_CHARS, []
    for text in columns:
        text = _cut(text, left) if isinstance(text, str) else text
        left -= len(text) if isinstance(text, str) else 0
        cut.append(text)
    return grams_text(*cut)


# Index texts made ahead, in another process, for reports about to be written (the crawl's
# extraction process, crawler/writer.py): the trigger's function takes its text from here when
# the columns are exactly the ones it was made from. Bounded: extractions never stored.
_READY: dict[tuple, str] = {}
READY_MAX = 256


def grams_ahead(title: Optional[str], agency: Optional[str], index_no: Optional[str],
                body_text: Optional[str]) -> tuple[tuple, str]:
    """(columns, index text) to hand to `provide_grams` in the process that writes them."""
    columns = (title, agency, index_no, body_text)
    return columns, _capped_grams_text(*columns)


def provide_grams(columns: tuple, text: str) -> None:
    if len(_READY) >= READY_MAX:
        _READY.clear()
    _READY[columns] = text


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL function the short-word index's triggers call; needed by every writer."""
    conn.create_function(GRAMS_FUNCTION, len(GRAMS_COLUMNS), _capped_grams_text, deterministic=True)


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where name = ?", [name]).fetchone() is not None


def has_grams_index(conn: sqlite3.Connection) -> bool:
    return _table_exists(conn, GRAMS_TABLE)


def grams_index_current(conn: sqlite3.Connection) -> bool:
    """The index exists and is not the first layout, whose `columnsize=0` made datasette's
    table count on every index page fail ("table does not support scanning", logged as an
    ERROR)."""
    row = conn.execute("select sql from sqlite_master where name = ?", [GRAMS_TABLE]).fetchone()
    return row is not None and "columnsize=0" not in (row[0] or "").replace(" ", "")


def ensure_grams_index(conn: sqlite3.Connection) -> bool:
    """Register the function; create, fill and hook up `reports_grams` if missing or in the
    first layout (True then).

    Safe to run on every open. Filling takes ~15 s per 100,000 reports, once.
    """
    register_functions(conn)
    if grams_index_current(conn) or not _table_exists(conn, "reports"):
        return False
    if has_grams_index(conn):  # the first layout: rebuilt (it is derived data)
        for suffix in ("_ai", "_ad", "_au"):
            conn.execute(f"DROP TRIGGER IF EXISTS [{GRAMS_TABLE}{suffix}]")
        conn.execute(f"DROP TABLE [{GRAMS_TABLE}]")
    cols = ", ".join(GRAMS_COLUMNS)
    old = ", ".join(f"old.[{c}]" for c in GRAMS_COLUMNS)
    new = ", ".join(f"new.[{c}]" for c in GRAMS_COLUMNS)
    statements = [
        # Not columnsize=0: that saves ~1 %, but a table that cannot be counted logs an
        # ERROR on every datasette index page.
        f"CREATE VIRTUAL TABLE [{GRAMS_TABLE}] USING fts5(grams, content='', detail=none,"
        f" tokenize='ascii')",
        f"""CREATE TRIGGER [{GRAMS_TABLE}_ai] AFTER INSERT ON [reports] BEGIN
  INSERT INTO [{GRAMS_TABLE}] (rowid, grams) VALUES (new.rowid, {GRAMS_FUNCTION}({new}));
END""",
        f"""CREATE TRIGGER [{GRAMS_TABLE}_ad] AFTER DELETE ON [reports] BEGIN
  INSERT INTO [{GRAMS_TABLE}] ([{GRAMS_TABLE}], rowid, grams)
    VALUES ('delete', old.rowid, {GRAMS_FUNCTION}({old}));
END""",
        # Only when indexed text changes, like reports_fts's trigger (see storage/archive.py).
        f"""CREATE TRIGGER [{GRAMS_TABLE}_au] AFTER UPDATE OF {cols} ON [reports] BEGIN
  INSERT INTO [{GRAMS_TABLE}] ([{GRAMS_TABLE}], rowid, grams)
    VALUES ('delete', old.rowid, {GRAMS_FUNCTION}({old}));
  INSERT INTO [{GRAMS_TABLE}] (rowid, grams) VALUES (new.rowid, {GRAMS_FUNCTION}({new}));
END""",
        f"INSERT INTO [{GRAMS_TABLE}] (rowid, grams)"
        f" SELECT rowid, {GRAMS_FUNCTION}({cols}) FROM [reports]",
    ]
    conn.execute("SAVEPOINT xxgk_grams")
    try:
        for statement in statements:
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK TO xxgk_grams")
        conn.execute("RELEASE xxgk_grams")
        raise
    conn.execute("RELEASE xxgk_grams")
    if conn.in_transaction:
        conn.commit()
    return True


# -- queries ----------------------------------------------------------------------------------
def is_key_term(term: str) -> bool:
    """A 3+ character term that may be (part of) an index number: also matched in `index_no`."""
    return len(term) >= MIN_FTS_CHARS and _KEY_TERM_RE.match(term) is not None


@dataclass
class SearchPlan:
    """How each term of a query is looked up."""

    terms: list[str]
    text_terms: list[str] = field(default_factory=list)   # 3+ chars: trigram index
    key_terms: list[str] = field(default_factory=list)    # 3+ chars: trigram index or index_no
    gram_terms: list[str] = field(default_factory=list)   # 1-2 chars: short-word index
    instr_terms: list[str] = field(default_factory=list)  # 1-2 chars: scan (no short-word index)

    @property
    def fts(self) -> Optional[str]:
        """MATCH expression on `reports_fts` for the text terms (they rank), or None."""
        return " AND ".join(fts_phrase(t) for t in self.text_terms) or None

    @property
    def grams(self) -> Optional[str]:
        """MATCH expression on `reports_grams`, or None."""
        return self.grams_in(None)

    def grams_in(self, where: Optional[str]) -> Optional[str]:
        """MATCH expression: every short term in `where` ("title", "agency", None: anywhere)."""
        return " AND ".join(gram_expression(t, where) or "" for t in self.gram_terms) or None


def plan_search(query: str, grams: bool = True) -> SearchPlan:
    """The plan for `query` (cached: SQL functions ask for it once per row; do not modify it)."""
    return _plan_search(query or "", grams)


@functools.lru_cache(maxsize=256)
def _plan_search(query: str, grams: bool) -> SearchPlan:
    plan = SearchPlan(split_terms(query))
    for term in plan.terms:
        if is_key_term(term):
            plan.key_terms.append(term)
        elif len(term) >= MIN_FTS_CHARS:
            plan.text_terms.append(term)
        elif grams and gram_expression(term) is not None:
            plan.gram_terms.append(term)
        else:
            plan.instr_terms.append(term)
    return plan


def key_lookup_sql(fts_param: str = ":keyfts", key_param: str = ":key") -> str:
    """Rowids of the reports holding an index-number-like term in their text or index_no.

    Parameters: the term as an FTS5 phrase (fts_phrase) and the term itself.
    """
    return (f"select rowid from [{FTS_TABLE}] where [{FTS_TABLE}] match {fts_param} union all"
            f" select rowid from [reports] where instr(lower([index_no]), lower({key_param})) > 0")


def search_clauses(query: str, rowid: str = "rowid", grams: bool = True,
                   prefix: str = "xxgk_search", broad: bool = False,
                   key_rowids: Optional[dict[str, list[int]]] = None
                   ) -> tuple[list[str], dict[str, Any]]:
    """WHERE clauses (to AND) and named parameters matching `query` on `reports`.

    `rowid` is how the clauses name reports' rowid (e.g. `r.rowid`); `grams=False` looks short
    terms up by instr() scans instead of the short-word index (archives without it). A query
    without terms matches nothing.

    `broad` (see `is_broad`) writes `+rowid in (…)`: the index lookups' rowids become a set
    that a scan of a small index probes, instead of one table seek per match. For a word in
    most reports that is 4-8 times faster (datasette's count, facets and ORDER BY … LIMIT read
    only the index on their column, and the LIMIT stops the scan early); for a rare word,
    seeking its few rows is what is fast.

    `key_rowids` maps index-number-like terms to the rowids `key_lookup_sql` gave, looked up
    once: the clause then lists them (JSON) instead of scanning index_no in every statement.
    """
    plan = plan_search(query, grams)
    alias = rowid.lstrip("+")[: -len("rowid")] if rowid.endswith("rowid") else ""
    probe = f"+{rowid.lstrip('+')}" if broad else rowid
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if plan.fts:
        params[f"{prefix}_fts"] = plan.fts
        clauses.append(f"{probe} in (select rowid from [{FTS_TABLE}]"
                       f" where [{FTS_TABLE}] match :{prefix}_fts)")
    for i, term in enumerate(plan.key_terms):
        if key_rowids is not None and term in key_rowids:
            params[f"{prefix}_keyrows{i}"] = json.dumps(sorted(set(key_rowids[term])))
            clauses.append(f"{rowid} in (select value from json_each(:{prefix}_keyrows{i}))")
            continue
        params[f"{prefix}_keyfts{i}"] = fts_phrase(term)
        params[f"{prefix}_key{i}"] = term
        sql = key_lookup_sql(f":{prefix}_keyfts{i}", f":{prefix}_key{i}")
        clauses.append(f"{rowid} in ({sql})")
    if plan.grams:
        params[f"{prefix}_grams"] = plan.grams
        clauses.append(f"{probe} in (select rowid from [{GRAMS_TABLE}]"
                       f" where [{GRAMS_TABLE}] match :{prefix}_grams)")
    for i, term in enumerate(plan.instr_terms):
        params[f"{prefix}_instr{i}"] = term
        clauses.append("(" + " or ".join(
            f"instr(lower(coalesce({alias}[{col}], '')), lower(:{prefix}_instr{i})) > 0"
            for col in GRAMS_COLUMNS) + ")")
    if not clauses:
        clauses.append("0")
    return clauses, params


# A query is broad when each of its index lookups finds more than this share of the reports:
# then probing beats seeking (measured by benchmarks/search_bench.py: seeking costs ~1-2 us per
# match, a scan of a small index ~0.2-0.4 us per report).
BROAD_SHARE = 1 / 8


def broad_probes(query: str, grams: bool = True) -> list[tuple[str, dict[str, Any]]]:
    """Queries whose answers decide `is_broad`: max(rowid), then one count per index lookup.

    Each count stops at `:cap` (BROAD_SHARE of max(rowid), +1), so it costs a few ms at most.
    No probes (always selective) when the query has an index-number term or needs scans.
    """
    plan = plan_search(query, grams)
    if plan.key_terms or plan.instr_terms or not (plan.fts or plan.grams):
        return []
    probes = [("select max(rowid) from reports", {})]
    for table, expression in ((FTS_TABLE, plan.fts), (GRAMS_TABLE, plan.grams)):
        if expression:
            probes.append((f"select count(*) from (select rowid from [{table}]"
                           f" where [{table}] match :m limit :cap)", {"m": expression}))
    return probes


def broad_cap(max_rowid: Optional[int]) -> int:
    return int((max_rowid or 0) * BROAD_SHARE) + 1


def is_broad(conn: sqlite3.Connection, query: str, grams: bool = True) -> bool:
    """Whether every index lookup of `query` finds more than BROAD_SHARE of the reports."""
    probes = broad_probes(query, grams)
    if not probes:
        return False
    cap = broad_cap(conn.execute(probes[0][0]).fetchone()[0])
    return all(conn.execute(sql, {**params, "cap": cap}).fetchone()[0] >= cap
               for sql, params in probes[1:])


def search_sql(query: str, limit: int = 50, grams: bool = True,
               broad: bool = False) -> tuple[str, dict[str, Any]]:
    """SQL and named parameters for `query` (`broad`: see `search_clauses` and `is_broad`).

    Columns: rowid, id, title, agency, body_text, score (lower is better): bm25 over the
    trigram index for the 3+ character words (title > agency > body); without those, for the
    short words, the title / agency weight when they are all there (`head_score_sql`), then the
    newest first; null for index numbers alone (newest first).
    """
    plan = plan_search(query, grams)
    params: dict[str, Any] = {"xxgk_search_limit": int(limit)}
    columns = "r.rowid as rowid, r.id as id, r.title as title, r.agency as agency, " \
              "r.body_text as body_text"
    if plan.fts and not plan.instr_terms:
        # Rank in the trigram index alone, then read the `limit` reports shown. The unary +
        # keeps SQLite from handing each rowid of the other lookups to FTS5 as `rowid = ?`
        # (one FTS5 query per rowid: minutes for a broad second word).
        clauses, more = search_clauses(query, f"+[{FTS_TABLE}].rowid", grams)
        params.update(more)
        clauses[0] = f"[{FTS_TABLE}] match :xxgk_search_fts"
        weights = ", ".join(map(str, BM25_WEIGHTS))
        sql = (f"select {columns}, top.score as score from (select [{FTS_TABLE}].rowid as rowid,"
               f" bm25([{FTS_TABLE}], {weights}) as score from [{FTS_TABLE}]"
               f" where {' and '.join(clauses)} order by score limit :xxgk_search_limit) top"
               f" join reports r on r.rowid = top.rowid order by top.score, r.rowid")
        return sql, params
    clauses, more = search_clauses(query, "r.rowid", grams, broad=broad and not plan.fts)
    params.update(more)
    if plan.fts:  # with words only a scan finds (an archive without the short-word index)
        weights = ", ".join(map(str, BM25_WEIGHTS))
        clauses[0] = f"[{FTS_TABLE}] match :xxgk_search_fts"
        sql = (f"select {columns}, bm25([{FTS_TABLE}], {weights}) as score from reports r"
               f" join [{FTS_TABLE}] on [{FTS_TABLE}].rowid = r.rowid"
               f" where {' and '.join(clauses)} order by score, r.rowid limit :xxgk_search_limit")
    elif plan.instr_terms:  # scans: let the LIMIT stop the scan of the newest early
        sql = (f"select {columns}, null as score from reports r where {' and '.join(clauses)}"
               f" order by r.report_year desc, r.rowid desc limit :xxgk_search_limit")
    else:  # short words (in the title, then the agency, first), index numbers: the newest
        score = "null"
        if plan.grams:
            params["xxgk_search_title"] = plan.grams_in("title")
            params["xxgk_search_agency"] = plan.grams_in("agency")
            score = head_score_sql("r.rowid", ":xxgk_search_title", ":xxgk_search_agency")
        # Rank on rowid and report_year alone (the index on report_year holds both), then
        # read the `limit` reports shown.
        sql = (f"select {columns}, top.score as score from (select r.rowid as rowid,"
               f" r.report_year as report_year, {score} as score from reports r"
               f" where {' and '.join(clauses)}"
               f" order by score, r.report_year desc, r.rowid desc limit :xxgk_search_limit) top"
               f" join reports r on r.rowid = top.rowid"
               f" order by top.score, top.report_year desc, top.rowid desc")
    return sql, params


def head_score_sql(rowid: str, title_match: str, agency_match: str) -> str:
    """Rank of a short-word match: minus the bm25 weight of the title / the agency when every
    short word is there (lower is better, like bm25). Index probes, no row is read."""
    def hit(match: str) -> str:
        return (f"(+{rowid} in (select rowid from [{GRAMS_TABLE}]"
                f" where [{GRAMS_TABLE}] match {match}))")
    return f"-({BM25_WEIGHTS[0]} * {hit(title_match)} + {BM25_WEIGHTS[1]} * {hit(agency_match)})"


# -- snippets ---------------------------------------------------------------------------------
def _term_pattern(terms: list[str]) -> Optional[re.Pattern[str]]:
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None


def mark_terms(text: Optional[str], terms: list[str]) -> str:
    """Wrap every occurrence of the terms in <mark>…</mark>, outside marks already there."""
    if not text:
        return ""
    pattern = _term_pattern(terms)
    if pattern is None:
        return text
    pieces = re.split(f"({re.escape(MARK_OPEN)}.*?{re.escape(MARK_CLOSE)})", text, flags=re.S)
    return "".join(
        piece if piece.startswith(MARK_OPEN) else
        pattern.sub(lambda m: f"{MARK_OPEN}{m.group(0)}{MARK_CLOSE}", piece)
        for piece in pieces
    )


def make_snippet(text: str, terms: list[str], width: int = 40, mark: bool = False) -> str:
    """The text around the first hit of any term, with … where it was cut (terms marked if asked)."""
    if not text:
        return ""
    pattern = _term_pattern(terms)
    first = pattern.search(text) if pattern else None
    if first is None:
        snippet = text[: width * 2] + (ELLIPSIS if len(text) > width * 2 else "")
    else:
        start = max(0, first.start() - width)
        end = min(len(text), first.start() + width)
        snippet = re.sub(r"\s+", " ", text[start:end]).strip()
        snippet = (ELLIPSIS if start > 0 else "") + snippet + (ELLIPSIS if end < len(text) else "")
    return mark_terms(snippet, terms) if mark else snippet


# -- the ranked canned query ------------------------------------------------------------------
def _contains_all(terms: list[str], *texts: Optional[str]) -> bool:
    haystack = "\n".join(t for t in texts if t).lower()
    return all(term.lower() in haystack for term in terms)


NO_MATCH = '""'  # an FTS5 expression that matches nothing (an empty phrase), at no cost


def register_query_functions(conn: sqlite3.Connection) -> None:
    """Functions `SEARCH_SQL` calls; the datasette plugin registers them on every connection.

    xxgk_terms(q, kind): how many terms of q are looked up that way ('text', 'grams', 'key');
    xxgk_match(q, kind): the MATCH expression for them (NO_MATCH when none; 'key' is the first
    key term's phrase; 'title' / 'agency': every short term in that column),
    xxgk_key(q): the first key term; xxgk_has_keys(q, texts…): every key term is in one of
    the texts; xxgk_snippet(q, texts…): excerpt around the first hit in the first text holding
    one, marked; xxgk_mark(text, q): every hit marked.
    """
    def terms(q: Optional[str], kind: str) -> int:
        plan = plan_search(_cut(q, MAX_QUERY_CHARS) or "")
        return len({"text": plan.text_terms, "grams": plan.gram_terms,
                    "key": plan.key_terms}.get(kind, []))

    def match(q: Optional[str], kind: str) -> str:
        plan = plan_search(_cut(q, MAX_QUERY_CHARS) or "")
        if kind == "key":
            return fts_phrase(plan.key_terms[0]) if plan.key_terms else NO_MATCH
        if kind in HEAD_MARKS:
            return plan.grams_in(kind) or NO_MATCH
        return (plan.fts if kind == "text" else plan.grams if kind == "grams" else None) or NO_MATCH

    def key(q: Optional[str]) -> str:
        keys = plan_search(_cut(q, MAX_QUERY_CHARS) or "").key_terms
        return keys[0] if keys else ""

    def has_keys(q: Optional[str], *texts: Optional[str]) -> int:
        return int(_contains_all(plan_search(_cut(q, MAX_QUERY_CHARS) or "").key_terms,
                                 *(_cut(t, MAX_SCAN_CHARS) for t in texts)))

    def snippet(q: Optional[str], *texts: Optional[str]) -> str:
        """Around the first hit in the first text holding one (else the first text's start)."""
        words = split_terms(_cut(q, MAX_QUERY_CHARS) or "")
        texts = tuple(_cut(t, MAX_SCAN_CHARS) for t in texts)
        pattern = _term_pattern(words)
        text = next((t for t in texts if t and pattern and pattern.search(t)), texts[0] or "")
        return make_snippet(text, words, width=24, mark=True)

    def mark(text: Optional[str], q: Optional[str]) -> str:
        return mark_terms(_cut(text, MAX_MARK_CHARS), split_terms(_cut(q, MAX_QUERY_CHARS) or ""))

    def frequency(q: Optional[str], title: Optional[str], agency: Optional[str],
                  body: Optional[str]) -> float:
        """How often the words occur (bm25's saturating term frequency, weighted like bm25:
        title > agency > body), for ranking matches of 1-2 character words, which the
        short-word index cannot score."""
        total = 0.0
        for term in split_terms(q or ""):
            needle = term.lower()
            for text, weight in zip((title, agency, body), BM25_WEIGHTS):
                text = (text or "").lower()
                count = text.count(needle)
                # bm25's length normalisation (b = 1) against a typical length of TF_LENGTH
                total += weight * count / (count + TF_K1 * max(1.0, len(text) / TF_LENGTH))
        return total

    conn.create_function("xxgk_tf", 4, frequency, deterministic=True)
    conn.create_function("xxgk_terms", 2, terms, deterministic=True)
    conn.create_function("xxgk_match", 2, match, deterministic=True)
    conn.create_function("xxgk_key", 1, key, deterministic=True)
    conn.create_function("xxgk_has_keys", 5, has_keys, deterministic=True)
    conn.create_function("xxgk_snippet", 5, snippet, deterministic=True)
    conn.create_function("xxgk_mark", 2, mark, deterministic=True)


_WEIGHTS = ", ".join(map(str, BM25_WEIGHTS))


def _grams_ok(rowid: str) -> str:
    return (f"(q.grams = 0 or +{rowid} in (select rowid from {GRAMS_TABLE}"
            f" where {GRAMS_TABLE} match xxgk_match(:q, 'grams')))")


_COLUMNS = ("r.rowid as rowid, r.id as id, r.title as title, r.agency as agency,"
            " r.index_no as index_no, r.report_year as report_year, r.template as template,"
            " r.url as url")
# :q holds one or more words, all of which must match, of any length. With a word of 3+
# characters the trigram index ranks (bm25: title > agency > body) and FTS5 snippet() cuts the
# excerpt. With only 1-2 character words (the short-word index keeps no frequencies: bm25
# would need a positional bigram index 3.4 times its size) reports with the words in the
# title, then the agency, come first, then the newest; the 200 shown are then ranked by how
# often the words occur (xxgk_tf: bm25's saturating term frequency, same weights); with an
# index number (an index-number-like word, is_key_term, matches the text or index_no and,
# being selective, drives the search) the newest come first; the excerpt is cut around the first hit. Excerpts are made
# for the 200 reports shown, not for every match. score: lower is better.
SEARCH_SQL = f"""with q as (
  select xxgk_terms(:q, 'text') as text, xxgk_terms(:q, 'grams') as grams,
    xxgk_terms(:q, 'key') as key
), ranked as (
  select {FTS_TABLE}.rowid as rowid, bm25({FTS_TABLE}, {_WEIGHTS}) as score
  from q cross join {FTS_TABLE}
  where q.text > 0 and q.key = 0
    and {FTS_TABLE} match xxgk_match(:q, 'text') and {_grams_ok(f"{FTS_TABLE}.rowid")}
  order by score limit 200
), short as (
  select r.rowid as rowid,
    {head_score_sql("r.rowid", "xxgk_match(:q, 'title')", "xxgk_match(:q, 'agency')")} as score
  from q cross join reports r
  where q.text = 0 and q.key = 0 and q.grams > 0 and {_grams_ok("r.rowid")}
  order by score, r.report_year desc, r.rowid desc limit 200
), keyed as (
  select r.rowid as rowid from q cross join reports r
  where q.key > 0 and r.rowid in (
      select rowid from {FTS_TABLE} where {FTS_TABLE} match xxgk_match(:q, 'key')
      union all
      select rowid from reports where instr(lower(index_no), lower(xxgk_key(:q))) > 0)
    and (q.text = 0 or +r.rowid in (
      select rowid from {FTS_TABLE} where {FTS_TABLE} match xxgk_match(:q, 'text')))
    and {_grams_ok("r.rowid")}
    and xxgk_has_keys(:q, r.title, r.agency, r.index_no, r.body_text)
  order by r.report_year desc, r.rowid desc limit 200
)
select {_COLUMNS},
  xxgk_mark(snippet({FTS_TABLE}, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '{ELLIPSIS}', 24), :q)
    as snippet,
  ranked.score as score
from ranked
join {FTS_TABLE} on {FTS_TABLE}.rowid = ranked.rowid and {FTS_TABLE} match xxgk_match(:q, 'text')
join reports r on r.rowid = ranked.rowid
union all
select {_COLUMNS},
  xxgk_snippet(:q, r.body_text, r.title, r.agency, r.index_no) as snippet,
  round(hits.score - xxgk_tf(:q, r.title, r.agency, r.body_text), 4) as score
from (select rowid, score from short union all select rowid, null as score from keyed) hits
join reports r on r.rowid = hits.rowid
order by score, report_year desc, rowid desc"""


# -- running a search -------------------------------------------------------------------------
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
    """Reports matching every term of `query`, best first: [{rowid, id, title, agency, score, snippet}]."""
    terms = split_terms(query)
    if not terms:
        return []
    conn, owned = _connect(db_path_or_conn)
    try:
        grams = has_grams_index(conn)
        sql, params = search_sql(query, limit, grams, broad=is_broad(conn, query, grams))
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
