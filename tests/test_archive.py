"""The archive contract (../shared/contracts/archive.md) and search of any word length."""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.versions import register as register_versions
from storage.archive import Archive, content_hash, report_id_for
from pipelines.model import INDICATOR_KEYS, Cell, Check, Extraction
from storage.search import search_reports

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def make_extraction(agency: str = "衢州市机关事务管理局", year: int = 2017,
                    proactive: int = 67, body: str = "本机关全年未发生行政复议案件。",
                    fees: float | None = 0.35) -> Extraction:
    indicators = {key: None for key in INDICATOR_KEYS}
    indicators.update(proactive_disclosed=proactive, fees_collected=fees)
    return Extraction(
        source="https://example.gov.cn/a.html",
        is_report=True,
        title=f"{agency}{year}年政府信息公开工作年度报告",
        index_no="12330800002618357U/2018-103701",
        index_no_parts={"org_code": "12330800002618357U", "year": 2018, "serial": "103701"},
        agency=agency,
        publisher="市机关事务局",
        written_date="2018-02-28",
        signed_date="2018-02-27",
        report_year=year,
        template="pre2019",
        metadata={"索引号": "12330800002618357U/2018-103701", "发布机构": "市机关事务局"},
        cells=[
            Cell("政府信息公开情况统计表", ["一、主动公开情况", "(一)主动公开政府信息数"],
                 ["统计数"], "条", proactive, str(proactive)),
            Cell("政府信息公开情况统计表", ["六、收取费用情况", "依申请公开收取的费用"],
                 ["统计数"], "万元", fees, "" if fees is None else str(fees)),
            Cell("政府信息公开情况统计表", ["二、依申请公开情况", "(一)收到申请数"],
                 ["统计数"], "件", None, ""),
        ],
        indicators=indicators,
        checks=[Check("总计等于各项之和", 12, 11, {"table": "政府信息公开情况统计表", "row": 3})],
        body_text=f"{agency}{year}年政府信息公开工作年度报告。{body}",
    )


def all_table_counts(path: Path) -> dict[str, int]:
    """Every table and view in the file, FTS shadow tables included."""
    conn = sqlite3.connect(path)
    register_versions(conn)  # the report_versions view calls it
    try:
        names = [r[0] for r in conn.execute(
            "select name from sqlite_master where type in ('table', 'view') and sql not like 'CREATE VIRTUAL%'")]
        return {n: conn.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


URL_A = "https://Example.GOV.cn/xxgk/2018/report-a.html"
URL_B = "https://example.gov.cn/xxgk/2018/report-b.html"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def test_schema_has_contract_tables_columns_and_wal(db_path: Path) -> None:
    with Archive(db_path):
        pass
    db = sqlite_utils.Database(db_path)
    register_versions(db.conn)
    required = {
        "reports": {"id", "url", "portal", "title", "index_no", "agency", "publisher",
                    "written_date", "published_date", "signed_date", "report_year", "template",
                    "body_text", "content_sha256", "first_seen", "last_seen", "version",
                    "metadata_json", "errors_json", *INDICATOR_KEYS},
        "cells": {"report_id", "table_name", "row_path", "column_path", "row_label",
                  "column_label", "unit", "value", "raw"},
        "checks": {"report_id", "check", "expected", "found", "detail"},
        "fetches": {"url", "fetched_at", "status", "content_type", "sha256", "error",
                    "last_fetched_at", "times_seen"},
        "crawl_runs": {"id", "portal", "started_at", "finished_at", "status", "pages",
                       "reports_new", "reports_changed", "errors"},
        "report_versions": {"report_id", "version", "content_sha256", "first_seen",
                            "last_seen", "data_json"},
    }
    for table, columns in required.items():
        assert columns <= set(db[table].columns_dict), table
    assert db["reports"].pks == ["id"]
    # cells: a view over cell_values (one row per cell, keyed by report and position, no
    # other index) and labels (each label path once, unique)
    assert "cells" in db.view_names() and "report_versions" in db.view_names()
    assert db["cell_values"].pks == ["report_id", "seq"]
    assert [ix.origin for ix in db["cell_values"].indexes] == ["pk"]  # no index besides the key
    assert "WITHOUT ROWID" in db["cell_values"].schema
    assert any(ix.unique and ix.columns == ["table_name", "row_path", "column_path"] for ix in db["labels"].indexes)
    assert db.journal_mode == "wal"
    assert db["reports"].detect_fts() == "reports_fts"
    db.close()


def test_reopening_is_idempotent_and_adds_missing_columns(db_path: Path) -> None:
    old = sqlite_utils.Database(db_path)
    old["reports"].create({"id": str, "url": str, "title": str}, pk="id")
    old["reports"].insert({"id": "x", "url": "https://a.gov.cn/x", "title": "旧报告标题"})
    old.close()
    with Archive(db_path) as archive:
        first = archive.counts()
    with Archive(db_path) as archive:
        assert archive.counts() == first
    db = sqlite_utils.Database(db_path)
    assert "staff_count" in db["reports"].columns_dict
    assert db.execute(
        "select count(*) from reports_fts where reports_fts match '旧报告'").fetchone()[0] == 1
    db.close()


def test_report_id_is_stable_over_case_and_fragment() -> None:
    rid = report_id_for(URL_A)
    assert re.fullmatch(r"[0-9a-f]{16}", rid)
    assert report_id_for("HTTPS://example.gov.cn/xxgk/2018/report-a.html#top") == rid
    assert report_id_for("https://example.gov.cn:443/xxgk/2018/report-a.html") == rid
    assert report_id_for(URL_B) != rid
    # the path is case-sensitive on most servers, so it is kept as is
    assert report_id_for("https://example.gov.cn/XXGK/2018/report-a.html") != rid


def test_content_hash_ignores_source_and_whitespace_but_not_figures() -> None:
    a = make_extraction()
    b = make_extraction()
    b.source = "/tmp/saved-copy.html"
    b.body_text = b.body_text.replace("。", "。\n\n  ")
    assert content_hash(a) == content_hash(b)
    c = make_extraction(proactive=68)
    assert content_hash(c) != content_hash(a)
    d = make_extraction()
    d.cells[0].value = 67.0  # same figure, float
    assert content_hash(d) == content_hash(a)


def _content_hash_as_first_written(extraction: Extraction) -> str:
    """The archive's first content hash, kept verbatim: archives written by earlier code
    store it, and a re-crawl must find their unchanged reports unchanged."""
    import dataclasses
    import hashlib

    def plain(value):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    data = dataclasses.asdict(extraction)
    data.pop("source", None)
    data.pop("confidence", None)
    data["body_text"] = re.sub(r"\s+", "", data.get("body_text") or "")
    text = json.dumps(plain(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _golden_pages_with_tables() -> list[Path]:
    pages = sorted(p for p in (Path(__file__).parent / "golden").iterdir() if p.suffix in (".html", ".txt"))
    return [p for p in pages
            if json.loads(p.with_name(p.name + ".expected.json").read_text(encoding="utf-8")).get("cells")]


@pytest.mark.parametrize("case", _golden_pages_with_tables()[:10], ids=lambda p: p.name)
def test_fast_conversion_and_hash_match_the_first_ones(case: Path) -> None:
    """to_json is written out (no dataclasses.asdict) and the hash is built from it once:
    both must give exactly what the first implementation gave, on real extractions."""
    import dataclasses

    from pipelines.report import extract_path

    extraction = extract_path(str(case), url=f"golden/{case.name}")
    assert extraction.cells, case  # a page with tables: the cells are what the fast path converts
    assert extraction.to_json() == dataclasses.asdict(extraction)
    assert list(extraction.to_json()) == [f.name for f in dataclasses.fields(Extraction)]
    assert content_hash(extraction) == _content_hash_as_first_written(extraction)
    extraction.cells[0].value = 12.0  # float figures hash as the integers they are
    assert content_hash(extraction) == _content_hash_as_first_written(extraction)


# JSON as extractions hold it: text (any code point but lone surrogates), whole numbers past
# 64 bits, floats of every kind (NaN, infinities, 1e-05), keys that are not text.
_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                          st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
                          st.sampled_from(["统计数", "1e-05", "\u2028", "\x00\x1f\x7f", '"\\/']))
_json_values = st.recursive(_json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner, max_size=4)), max_leaves=20)


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(_json_values)
def test_canonical_bytes_are_the_standard_librarys_for_any_value(value) -> None:
    """The hash's bytes come from orjson only where they are json.dumps's (storage/content.py):
    a report hashed by this code and by earlier code must match (issue #11's faster path)."""
    from storage.content import canonical_bytes, canonical_json

    try:
        expected = canonical_json(value).encode("utf-8")
    except TypeError:  # keys of several types cannot be sorted: refused either way
        with pytest.raises(TypeError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(st.lists(st.floats(), min_size=1, max_size=5), st.floats())
def test_prepared_rows_hash_and_keep_any_figure_as_the_first_code_did(values, confidence) -> None:
    """Odd figures (NaN, 1e-05, 1e+16) in cells and confidence: the prepared report's hash is
    the first implementation's and its JSON gives back the extraction's data."""
    from storage.rows import prepare

    extraction = make_extraction()
    extraction.confidence = confidence
    for cell, value in zip(extraction.cells, values):
        cell.value = value
    prepared = prepare(extraction)
    assert prepared.digest == _content_hash_as_first_written(extraction)
    expected = json.loads(json.dumps(extraction.to_json()))  # NaN != NaN: compare as text
    assert json.dumps(prepared.data()) == json.dumps(expected)


def test_save_then_resave_changes_no_row_count(db_path: Path) -> None:
    with Archive(db_path) as archive:
        run = archive.start_run("demo")
        assert archive.save_report(url=URL_A, portal="demo", extraction=make_extraction(),
                                   fetched_at="2024-01-01T00:00:00Z") == "new"
        archive.record_fetch(url=URL_A, status=200, content_type="text/html", body=b"<html>a",
                             fetched_at="2024-01-01T00:00:00Z")
        archive.record_fetch(url=URL_B, status=None, content_type=None, body=None,
                             error="TimeoutError", fetched_at="2024-01-01T00:00:00Z")
        archive.finish_run(run, status="finished", pages=2, reports_new=1, reports_changed=0,
                           errors=1)
    before = all_table_counts(db_path)
    assert before["reports"] == 1 and before["cells"] == 3 and before["checks"] == 1
    assert before["fetches"] == 2 and before["report_versions"] == 1

    with Archive(db_path) as archive:
        run = archive.start_run("demo")
        assert archive.save_report(url=URL_A.lower() + "#x", portal="demo",
                                   extraction=make_extraction(),
                                   fetched_at="2024-02-01T08:00:00+08:00") == "unchanged"
        archive.record_fetch(url=URL_A, status=200, content_type="text/html", body=b"<html>a",
                             fetched_at="2024-02-01T00:00:00Z")
        archive.record_fetch(url=URL_B, status=None, content_type=None, body=None,
                             error="TimeoutError", fetched_at="2024-02-01T00:00:00Z")
        archive.finish_run(run, status="finished", pages=2, reports_new=0, reports_changed=0,
                           errors=1)
    after = all_table_counts(db_path)
    assert {k: v for k, v in after.items() if k != "crawl_runs"} == \
        {k: v for k, v in before.items() if k != "crawl_runs"}
    assert after["crawl_runs"] == before["crawl_runs"] + 1

    db = sqlite_utils.Database(db_path)
    register_versions(db.conn)
    report = next(db["reports"].rows)
    assert (report["first_seen"], report["last_seen"], report["version"]) == \
        ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", 1)
    version = next(db["report_versions"].rows)
    assert version["last_seen"] == "2024-02-01T00:00:00Z"
    fetch = next(db["fetches"].rows_where("url = ? and status = 200", [URL_A]))
    assert fetch["times_seen"] == 2
    assert (fetch["fetched_at"], fetch["last_fetched_at"]) == \
        ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
    assert len(fetch["sha256"]) == 64
    failed = next(db["fetches"].rows_where("error is not null"))
    assert failed["times_seen"] == 2 and failed["status"] is None
    runs = list(db["crawl_runs"].rows)
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert runs[0]["pages"] == 2 and runs[0]["errors"] == 1
    assert all(TS.match(r["started_at"]) and TS.match(r["finished_at"]) for r in runs)
    db.close()


def test_changed_report_keeps_id_and_earlier_version(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(url=URL_A, portal="demo", extraction=make_extraction(),
                            fetched_at="2024-01-01T00:00:00Z")
    changed = make_extraction(proactive=70, body="本年度收到预算公开咨询。")
    changed.checks = []
    with Archive(db_path) as archive:
        assert archive.save_report(url=URL_A, portal="demo", extraction=changed,
                                   fetched_at="2024-03-01T00:00:00Z") == "changed"
        counts = archive.counts()
    assert counts["reports"] == 1 and counts["report_versions"] == 2
    assert counts["checks"] == 0 and counts["cells"] == 3

    db = sqlite_utils.Database(db_path)
    register_versions(db.conn)
    report = db["reports"].get(report_id_for(URL_A))
    assert report["version"] == 2 and report["proactive_disclosed"] == 70
    assert report["first_seen"] == "2024-01-01T00:00:00Z"
    assert report["content_sha256"] == content_hash(changed)
    values = {json.loads(c["row_path"])[-1]: c["value"]
              for c in db["cells"].rows_where("report_id = ?", [report["id"]])}
    assert values["(一)主动公开政府信息数"] == 70
    versions = list(db.query(
        "select version, data_json from report_versions where report_id = ? order by version",
        [report["id"]]))
    old = json.loads(versions[0]["data_json"])
    assert versions[0]["version"] == 1 and old["indicators"]["proactive_disclosed"] == 67
    assert old["cells"][0]["value"] == 67 and len(old["checks"]) == 1
    assert json.loads(versions[1]["data_json"])["indicators"]["proactive_disclosed"] == 70
    # the search index follows the change
    assert db.execute("select count(*) from reports_fts where reports_fts match '行政复议'"
                      ).fetchone()[0] == 0
    assert db.execute("select count(*) from reports_fts where reports_fts match '预算公开'"
                      ).fetchone()[0] == 1
    db.close()


def test_cells_and_checks_columns(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.save_report(url=URL_A, portal="demo", extraction=make_extraction())
    db = sqlite_utils.Database(db_path)
    cells = list(db.query("select * from cells order by seq"))
    assert cells[0]["row_path"] == '["一、主动公开情况", "(一)主动公开政府信息数"]'
    assert cells[0]["row_label"] == "(一)主动公开政府信息数"
    assert cells[0]["column_label"] == "统计数" and cells[0]["column_path"] == '["统计数"]'
    assert cells[0]["value"] == 67 and isinstance(cells[0]["value"], int)
    assert cells[1]["value"] == 0.35 and cells[1]["unit"] == "万元"
    assert cells[2]["value"] is None and cells[2]["raw"] == ""
    check = next(db["checks"].rows)
    assert (check["check"], check["expected"], check["found"]) == ("总计等于各项之和", 12, 11)
    assert json.loads(check["detail"]) == {
        "where": {"table": "政府信息公开情况统计表", "row": 3}, "kind": "mismatch"}
    report = next(db["reports"].rows)
    assert report["proactive_disclosed"] == 67 and report["fees_collected"] == 0.35
    assert report["written_date"] == "2018-02-28" and report["report_year"] == 2017
    assert json.loads(report["metadata_json"])["发布机构"] == "市机关事务局"
    assert json.loads(report["errors_json"]) == []
    assert TS.match(report["first_seen"]) and TS.match(report["last_seen"])
    db.close()


def test_writes_are_batched_in_one_transaction(db_path: Path) -> None:
    archive = Archive(db_path, batch_size=3)
    statements: list[str] = []
    archive.db.conn.set_trace_callback(statements.append)
    reader = sqlite3.connect(db_path)
    try:
        for i in range(2):
            archive.save_report(url=f"{URL_B}?n={i}", portal="demo",
                                extraction=make_extraction(agency=f"第{i}机关"))
        assert reader.execute("select count(*) from reports").fetchone()[0] == 0
        assert not [s for s in statements if s.strip().upper().startswith(("INSERT", "UPDATE"))]
        archive.record_fetch(url=URL_B, status=200, content_type="text/html", body=b"x")
        assert reader.execute("select count(*) from reports").fetchone()[0] == 2
        assert reader.execute("select count(*) from fetches").fetchone()[0] == 1
        assert [s.strip().upper() for s in statements].count("BEGIN") == 1
        assert [s.strip().upper() for s in statements].count("COMMIT") == 1
        # in one batch: new, then the same again, then changed
        assert archive.save_report(url=URL_A, portal="demo", extraction=make_extraction()) == "new"
        assert archive.save_report(url=URL_A, portal="demo",
                                   extraction=make_extraction()) == "unchanged"
        assert archive.save_report(url=URL_A, portal="demo",
                                   extraction=make_extraction(proactive=1)) == "changed"
        archive.save_report(url=URL_B, portal="demo", extraction=make_extraction())
        assert reader.execute("select count(*) from reports").fetchone()[0] == 3
    finally:
        archive.close()
    assert reader.execute("select count(*) from reports").fetchone()[0] == 4
    assert reader.execute("select version from reports where id = ?",
                          [report_id_for(URL_A)]).fetchone()[0] == 2
    reader.close()


def test_duplicate_cell_paths_keep_the_first(db_path: Path) -> None:
    ex = make_extraction()
    ex.cells.append(Cell(ex.cells[0].table, list(ex.cells[0].row), ["统计数"], "条", 99, "99"))
    with Archive(db_path) as archive:
        archive.save_report(url=URL_A, portal="demo", extraction=ex)
        assert archive.counts()["cells"] == 3
    db = sqlite_utils.Database(db_path)
    assert next(db["reports"].rows)["duplicate_cells"] == 1
    db.close()


# -- search: what plain FTS5 trigram does, and what search_reports adds ------------------

@pytest.fixture
def search_db(db_path: Path) -> Path:
    with Archive(db_path) as archive:
        archive.save_report(url=URL_A, portal="demo", extraction=make_extraction(
            agency="衢州市机关事务管理局", body="本年度发生行政复议案件1件，预算执行良好。"))
        archive.save_report(url=URL_B, portal="demo", extraction=make_extraction(
            agency="衢州市财政局", year=2018,
            body="复核申请3件，议定事项2项；行政诉讼0件。"))  # 复 and 议, never 复议
        archive.save_report(url=URL_B + "?c", portal="demo", extraction=make_extraction(
            agency="衢州市统计局", year=2019, body="统计数据按时公开。"))
    return db_path


def fts_match(path: Path, expression: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select count(*) from reports_fts where reports_fts match ?",
                            [expression]).fetchone()[0]
    finally:
        conn.close()


def test_plain_trigram_fts_misses_two_character_words(search_db: Path) -> None:
    assert fts_match(search_db, '"行政复议"') == 1
    assert fts_match(search_db, '"复议"') == 0  # by SQLite's design: fewer than 3 characters
    assert fts_match(search_db, '"预算"') == 0


def test_search_reports_finds_words_of_any_length(search_db: Path) -> None:
    def agencies(query: str) -> list[str]:
        conn = sqlite3.connect(search_db)
        try:
            ids = [r["id"] for r in search_reports(search_db, query)]
            return [conn.execute("select agency from reports where id = ?", [i]).fetchone()[0]
                    for i in ids]
        finally:
            conn.close()

    assert agencies("复议") == ["衢州市机关事务管理局"]  # not 财政局, which has 复核…议定
    assert agencies("预算") == ["衢州市机关事务管理局"]
    assert agencies("行政复议") == ["衢州市机关事务管理局"]
    assert sorted(agencies("行政诉讼")) == ["衢州市财政局"]
    assert sorted(agencies("衢州")) == sorted(["衢州市统计局", "衢州市机关事务管理局", "衢州市财政局"])
    assert agencies("衢州市 复议") == ["衢州市机关事务管理局"]  # terms are ANDed
    assert agencies("统计局 复议") == []
    assert agencies("政府信息公开 预算") == ["衢州市机关事务管理局"]
    assert agencies("税务") == []
    assert search_reports(search_db, "  ") == []


def test_search_reports_result_shape_and_snippet(search_db: Path) -> None:
    conn = sqlite3.connect(search_db)
    try:
        results = search_reports(conn, "复议")
        hit = results[0]
        assert {"rowid", "id", "title", "snippet"} <= set(hit)
        assert "复议" in hit["snippet"]
        assert hit["title"] == "衢州市机关事务管理局2017年政府信息公开工作年度报告"
        rowid = conn.execute("select rowid from reports where id = ?", [hit["id"]]).fetchone()[0]
        assert hit["rowid"] == rowid
        ranked = search_reports(conn, "年度报告")
        assert len(ranked) == 3 and all(r["score"] is not None for r in ranked)
        assert [r["score"] for r in ranked] == sorted(r["score"] for r in ranked)
    finally:
        conn.close()


def test_short_word_tokens_match_the_per_character_encoding() -> None:
    """gram_tokens encodes each distinct pair once; the index must hold exactly the tokens of
    the first, per-character implementation (archives indexed by it are searched with these)."""
    import random

    from storage.search import _SPACE_RE, fold, gram_tokens

    def per_character(*texts):
        tokens = set()
        for text in texts:
            for run in _SPACE_RE.split(fold(str(text))) if text else ():
                hexes = [c.encode("utf-8", "surrogatepass").hex() for c in run]
                tokens.update(map(str.__add__, hexes, hexes[1:]))
                tokens.update(hexes[-1:])
        return tokens

    rng = random.Random(11)
    alphabet = "政府信息公开年度报告 \n\tABCabc123ＡＢİß，。😀\ud83d\u3000\xa0\x1c\r"
    for _ in range(500):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3)]
        assert gram_tokens(*texts) == per_character(*texts)
    assert gram_tokens("公开 公开") == {"e585ace5bc80", "e5bc80"}


def test_white_space_is_what_the_regular_expressions_took() -> None:
    """The content hash and the short-word index find white space with str.split (faster) where
    they used re's \\s: over every code point, the same characters, so the same hashes and tokens."""
    from storage.content import without_white_space
    from storage.search import _SPACE_RE

    every = "".join(map(chr, range(0x110000)))
    assert without_white_space(every) == re.sub(r"\s+", "", every)
    spaced = "".join(f"x{c}y" for c in every[:0x3100])  # every white space character is below U+3100
    assert " ".join(spaced.split()) == _SPACE_RE.sub(" ", spaced).strip(" ")
    assert max(c for c in every if c.isspace()) < "\u3100"
