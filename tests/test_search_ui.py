"""The reports table's own search box (?_search=) and the ranked search, in a real datasette.

Chinese words of any length: 1- and 2-character words through the short-word index, 3+ through
the trigram index, index numbers through index_no too; several words are all required.
"""
from __future__ import annotations

import html
import json
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from servers import running_server
from storage.archive import Archive, report_id_for
from pipelines.model import INDICATOR_KEYS, Extraction
from storage.search import (GRAMS_TABLE, fts_phrase, gram_expression, gram_tokens, grams_text,
                              has_grams_index, is_broad, key_lookup_sql, plan_search,
                              register_functions, search_clauses, search_reports, split_terms)
from xxgk.serve import ensure_search_index

HTTP_TIMEOUT = 20
INDEX_NO = "12330800002618357U/2018-103701"


def extraction(agency: str, body: str, year: int = 2020, title: Optional[str] = None,
               index_no: Optional[str] = None) -> Extraction:
    indicators: dict[str, Any] = {key: None for key in INDICATOR_KEYS}
    return Extraction(
        source="test", is_report=True, agency=agency, report_year=year, template="2019",
        title=title or f"{agency}{year}年政府信息公开工作年度报告", index_no=index_no,
        indicators=indicators, body_text=body,
    )


# name -> (agency, body, extra): 复议 / 预算 / 税 placed to test each rule.
REPORTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "body_fuyi": ("衢州市财政局", "全年办理行政复议案件2件。", {"year": 2019}),
    "budget": ("衢州市统计局", "全年未收到预算公开申请。", {}),
    "neither": ("衢州市财政局", "统计数据按时公开。", {"year": 2021}),
    "split_fuyi": ("衢州市民政局", "复核申请3件，议定事项2项。", {}),  # 复 and 议, never 复议
    "both": ("衢州市审计局", "本年度行政复议1件，部门预算按时公开。", {}),
    "title_fuyi": ("衢州市司法局", "本局负责全市行政执法监督。",
                   {"title": "衢州市司法局关于复议工作的年度报告"}),
    "tax_agency": ("衢州市税务局", "依法公开各类信息。", {}),
    "tax_body": ("衢州市商务局", "落实减免税款政策。", {}),
    "index_no": ("衢州市机关事务管理局", "公开信息67条。", {"index_no": INDEX_NO, "year": 2017}),
}


def url_of(name: str) -> str:
    return f"https://www.qz.gov.cn/art/{name}.html"


ID = {name: report_id_for(url_of(name)) for name in REPORTS}


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search_ui") / "archive.db"
    with Archive(path) as archive:
        for name, (agency, body, extra) in REPORTS.items():
            archive.save_report(url=url_of(name), portal="demo",
                                extraction=extraction(agency, body, **extra))
    return path




def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
        return response.read().decode("utf-8")


def get_json(url: str) -> Any:
    return json.loads(get(url))


@pytest.fixture(scope="module")
def base_url(archive_db: Path) -> Iterator[str]:
    with running_server(archive_db, cli=False) as url:
        yield url


def search(base_url: str, query: str, **extra: str) -> dict[str, Any]:
    params = urllib.parse.urlencode({"_search": query, "_shape": "objects", "_size": "max",
                                     **extra})
    return get_json(f"{base_url}/archive/reports.json?{params}")


def found(base_url: str, query: str) -> set[str]:
    """Names of the reports `?_search=query` returns; the count must agree."""
    data = search(base_url, query)
    ids = {row["id"] for row in data["rows"]}
    assert data["filtered_table_rows_count"] == len(ids)
    names = {name for name, report_id in ID.items() if report_id in ids}
    assert len(names) == len(ids)
    return names


# -- the table's search box, JSON API -----------------------------------------------------------
def test_two_character_word_finds_exactly_the_reports_holding_it(base_url: str) -> None:
    # in the body only, in the title, in a longer word (行政复议); not 复…议 apart, not absent
    assert found(base_url, "复议") == {"body_fuyi", "both", "title_fuyi"}
    assert found(base_url, "预算") == {"budget", "both"}


def test_datasette_own_search_clause_is_not_applied_too(base_url: str) -> None:
    data = search(base_url, "行政复议 预算")
    assert "escape_fts" not in data["query"]["sql"] and ":search" not in data["query"]["sql"]
    assert {row["id"] for row in data["rows"]} == {ID["both"]}


def test_one_character_word(base_url: str) -> None:
    assert found(base_url, "税") == {"tax_agency", "tax_body"}  # agency and title / body only
    assert found(base_url, "核") == {"split_fuyi"}


def test_several_words_are_all_required(base_url: str) -> None:
    assert found(base_url, "复议 预算") == {"both"}
    assert found(base_url, "行政复议　预算") == {"both"}  # ideographic space; 3+ and 2 chars
    assert found(base_url, "衢州市财政局 复议") == {"body_fuyi"}
    assert found(base_url, "统计局 复议") == set()
    assert found(base_url, "复议 税务") == set()  # a short word is never dropped


def test_phrases_of_three_or_more_characters(base_url: str) -> None:
    assert found(base_url, "行政复议案件") == {"body_fuyi"}
    assert found(base_url, "预算按时公开") == {"both"}
    assert found(base_url, '"减免税款 政策"') == set()  # a quoted phrase keeps its space
    assert found(base_url, "机关事务管理局") == {"index_no"}


def test_index_number(base_url: str) -> None:
    assert found(base_url, INDEX_NO) == {"index_no"}
    assert found(base_url, "2018-103701") == {"index_no"}
    assert found(base_url, INDEX_NO.lower()) == {"index_no"}
    assert found(base_url, f"{INDEX_NO} 公开") == {"index_no"}
    assert found(base_url, "2018-999999") == set()


def test_empty_search_filters_nothing(base_url: str) -> None:
    assert len(found(base_url, "  ")) == len(REPORTS)


def test_search_works_with_facets_and_other_filters(base_url: str) -> None:
    data = search(base_url, "复议", _facet="agency", agency="衢州市财政局")
    assert [row["id"] for row in data["rows"]] == [ID["body_fuyi"]]
    counts = {item["value"]: item["count"] for item in data["facet_results"]["agency"]["results"]}
    assert counts == {"衢州市财政局": 1}


def test_datasette_raw_mode_is_still_datasette(base_url: str) -> None:
    data = search(base_url, "行政复议 OR 预算公开", _searchmode="raw")
    assert {row["id"] for row in data["rows"]} == {ID["body_fuyi"], ID["both"], ID["budget"]}


# -- the HTML page --------------------------------------------------------------------------------
def test_html_table_page_shows_the_query_and_the_right_rows(base_url: str) -> None:
    page = get(f"{base_url}/archive/reports?{urllib.parse.urlencode({'_search': '复议'})}")
    box = re.search(r'<input[^>]*name="_search"[^>]*>', page)
    assert box is not None, "no search box"
    assert 'value="复议"' in box.group(0)
    shown = set(re.findall(r'data-report-id="([0-9a-f]{16})"', page))
    assert shown == {ID["body_fuyi"], ID["both"], ID["title_fuyi"]}
    assert 'data-count="3"' in page  # the results list's count (xxgk/reader_plugin.py)


def test_html_table_page_without_a_search_has_the_box(base_url: str) -> None:
    page = get(f"{base_url}/archive/reports")
    assert re.search(r'<input[^>]*name="_search"', page)


# -- the ranked canned query ----------------------------------------------------------------------
def canned(base_url: str, query: str) -> list[dict[str, Any]]:
    params = urllib.parse.urlencode({"q": query, "_shape": "objects"})
    return get_json(f"{base_url}/archive/search.json?{params}")["rows"]


def test_canned_search_ranks_and_highlights(base_url: str) -> None:
    rows = canned(base_url, "行政复议")
    assert {row["id"] for row in rows} == {ID["body_fuyi"], ID["both"]}
    assert all("<mark>行政复议</mark>" in row["snippet"] for row in rows)
    assert [row["score"] for row in rows] == sorted(row["score"] for row in rows)

    rows = canned(base_url, "复议")
    assert {row["id"] for row in rows} == {ID["body_fuyi"], ID["both"], ID["title_fuyi"]}
    assert all("<mark>复议</mark>" in row["snippet"] for row in rows)
    assert rows[0]["id"] == ID["title_fuyi"]  # short words: a title hit ranks first

    rows = canned(base_url, "行政复议 预算")
    assert [row["id"] for row in rows] == [ID["both"]]
    assert "<mark>行政复议</mark>" in rows[0]["snippet"] and "<mark>预算</mark>" in rows[0]["snippet"]

    assert {row["id"] for row in canned(base_url, "税")} == {ID["tax_agency"], ID["tax_body"]}
    assert [row["id"] for row in canned(base_url, INDEX_NO)] == [ID["index_no"]]
    assert canned(base_url, "复议 税务") == []


def test_canned_search_page_renders_marks_as_html(base_url: str) -> None:
    page = get(f"{base_url}/archive/search?{urllib.parse.urlencode({'q': '预算'})}")
    cells = re.findall(r'<td class="col-snippet[^"]*"[^>]*>(.*?)</td>', page, re.S)
    assert len(cells) == 2 and all("<mark>预算</mark>" in cell for cell in cells)
    assert "&lt;mark&gt;预算" not in page


# -- the clauses themselves (no HTTP) ------------------------------------------------------------
QUERIES = ["复议", "预算", "税", "核", "复议 预算", "行政复议 预算", "行政复议案件", "衢州市财政局 复议",
           INDEX_NO, "2018-103701", f"{INDEX_NO} 公开", "复议 税务", "公开", "局 公开"]


def test_broad_and_selective_forms_and_key_lists_agree(archive_db: Path) -> None:
    conn = sqlite3.connect(archive_db)
    try:
        def ids(query: str, **options: Any) -> set[int]:
            clauses, params = search_clauses(query, **options)
            return {row[0] for row in conn.execute(
                f"select rowid from reports where {' and '.join(clauses)}", params)}

        for query in QUERIES:
            expected = ids(query)
            assert ids(query, broad=True) == expected, query
            keys = {}
            for term in plan_search(query).key_terms:
                keys[term] = [row[0] for row in conn.execute(
                    key_lookup_sql(), {"keyfts": fts_phrase(term), "key": term})]
            assert ids(query, key_rowids=keys) == expected, query
            without_index = ids(query, grams=False)  # instr() scans: same answer
            assert without_index == expected, query
            assert {r["rowid"] for r in search_reports(conn, query, limit=100)} == expected, query
        assert is_broad(conn, "公开") and not is_broad(conn, "核") and not is_broad(conn, INDEX_NO)
    finally:
        conn.close()


# -- the short-word index itself (no HTTP) -------------------------------------------------------
def test_gram_tokens_and_expressions() -> None:
    fuyi, yi = "复议".encode().hex(), "议".encode().hex()
    assert gram_tokens("复议") == {fuyi, yi}
    assert gram_tokens("a b") == {"61", "62"}  # no pair across white space
    assert gram_tokens("复", "议") == {"复".encode().hex(), yi}  # nor across two texts
    # title and agency tokens are also stored marked (t…, u…): where a word is, for ranking
    assert set(grams_text("复议", None, None, "复议").split()) == {fuyi, yi, "t" + fuyi, "t" + yi}
    assert set(grams_text(None, "复议", None, None).split()) == {fuyi, yi, "u" + fuyi, "u" + yi}
    assert gram_expression("复议") == f'"{fuyi}"'
    assert gram_expression("复议", "title") == f'"t{fuyi}"'
    assert gram_expression("税") == f'"{"税".encode().hex()}"*'
    assert gram_expression("AB") == gram_expression("ab")
    assert gram_expression("行政复议") is None
    assert split_terms(' 复议　"行政 复议" 预算 复议 "') == ["复议", "行政 复议", "预算"]


def test_short_word_index_follows_changes_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    url = "https://a.gov.cn/r/1.html"
    with Archive(path) as archive:
        archive.save_report(url=url, portal="demo", extraction=extraction("甲局", "预算公开。"))
    assert [r["id"] for r in search_reports(path, "预算")] == [report_id_for(url)]
    with Archive(path) as archive:
        archive.save_report(url=url, portal="demo", extraction=extraction("甲局", "复议两件。"))
    assert search_reports(path, "预算") == []
    assert [r["id"] for r in search_reports(path, "复议")] == [report_id_for(url)]

    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            conn.execute("delete from reports")  # a writer without the function fails loudly
        conn.rollback()
        register_functions(conn)
        conn.execute("delete from reports")
        conn.commit()
        assert search_reports(conn, "复议") == []
        assert conn.execute(f"select count(*) from {GRAMS_TABLE} where {GRAMS_TABLE} match ?",
                            [gram_expression("复议")]).fetchone()[0] == 0
    finally:
        conn.close()


def drop_grams_index(path: Path) -> None:
    conn = sqlite3.connect(path)
    for name in ("ai", "ad", "au"):
        conn.execute(f"drop trigger {GRAMS_TABLE}_{name}")
    conn.execute(f"drop table {GRAMS_TABLE}")
    conn.commit()
    conn.close()


def test_serve_gives_an_older_archive_the_index(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.save_report(url="https://a.gov.cn/r/1.html", portal="demo",
                            extraction=extraction("甲局", "预算公开。"))
    drop_grams_index(path)
    ensure_search_index(path)
    conn = sqlite3.connect(path)
    try:
        assert has_grams_index(conn)
        assert [r["id"] for r in search_reports(conn, "预算")] == [report_id_for("https://a.gov.cn/r/1.html")]
    finally:
        conn.close()
    ensure_search_index(tmp_path / "missing.db")  # nothing done, nothing raised, no file made
    assert not (tmp_path / "missing.db").exists()


def test_existing_archive_gets_the_short_word_index(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.save_report(url="https://a.gov.cn/r/1.html", portal="demo",
                            extraction=extraction("甲局", "预算公开。"))
    drop_grams_index(path)
    with Archive(path):
        pass
    assert len(search_reports(path, "预算")) == 1
