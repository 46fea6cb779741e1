"""Issue 11 point 5: a broad search is not counted row by row. Past $XXGK_SEARCH_COUNT_CAP
matches (10 here) the reports page says "10+", lists no facet counts and links to the exact
count; below it (filters included) the count is exact; the count shown is never wrong. A real
datasette (`xxgk serve`) over a real archive."""
from __future__ import annotations

import html
import json
import re
import urllib.parse
import urllib.request

import pytest

from servers import running_server
from storage.archive import Archive
from test_search_ui import extraction, url_of
from xxgk.search_plugin import CAPPED_JSON_KEY, COUNT_CAP_DEFAULT, count_cap

CAP = 10
# 20 reports hold 复议 (12 of them of 2019), 5 do not.
WITH = [(f"fuyi{i}", 2019 if i < 12 else 2020) for i in range(20)]
WITHOUT = [(f"other{i}", 2019) for i in range(5)]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = tmp_path_factory.mktemp("capped") / "archive.db"
    with Archive(db) as archive:
        for name, year in WITH:
            archive.save_report(url=url_of(name), portal="qz", fetched_at="2024-01-01T00:00:00Z",
                                extraction=extraction(f"衢州市{name}局", "全年办理行政复议案件2件。", year))
        for name, year in WITHOUT:
            archive.save_report(url=url_of(name), portal="qz", fetched_at="2024-01-01T00:00:00Z",
                                extraction=extraction(f"衢州市{name}局", "统计数据按时公开。", year))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XXGK_SEARCH_COUNT_CAP", str(CAP))
        with running_server(db) as url:
            yield url + "/archive"


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def page(base: str, **args: str) -> str:
    return get(f"{base}/reports?{urllib.parse.urlencode(args)}")


def shown_count(text: str) -> str:
    h1 = re.search(r'<h1 class="xxgk-count"[^>]*>(.*?)</h1>', text, re.S).group(1)
    return re.sub(r"<[^>]+>", "", h1).split("份报告")[0].strip()


def test_a_search_past_the_cap_shows_cap_plus_and_counts_exactly_on_demand(served):
    capped = page(served, _search="复议")
    assert shown_count(capped) == "10+"
    assert 'data-count-more-than="10"' in capped and "data-count=" not in capped
    assert 'class="facet-info"' not in capped   # no facet counts over the whole match set
    exact_url = html.unescape(re.search(r'class="xxgk-exact-count" href="([^"]+)"', capped).group(1))
    exact = get(served.rsplit("/archive", 1)[0] + exact_url)
    assert shown_count(exact) == "20" and 'data-count="20"' in exact
    assert 'class="facet-info"' in exact        # facets are computed again
    year_facet = exact.split('data-column="report_year"', 1)[1].split("</div>", 1)[0]
    assert re.search(r">2019</a> 12<", year_facet) and re.search(r">2020</a> 8<", year_facet), year_facet

    data = json.loads(get(f"{served}/reports.json?_search=%E5%A4%8D%E8%AE%AE"))
    assert data["filtered_table_rows_count"] is None and data[CAPPED_JSON_KEY] == CAP
    assert len(data["rows"]) == 20
    data = json.loads(get(f"{served}/reports.json?_search=%E5%A4%8D%E8%AE%AE&_xxgk_count=exact"))
    assert data["filtered_table_rows_count"] == 20 and CAPPED_JSON_KEY not in data


def test_under_the_cap_with_filters_the_count_is_exact(served):
    # 复议 in 2020: 8 reports, under the cap once the filter is applied: counted exactly.
    assert shown_count(page(served, _search="复议", report_year="2020")) == "8"
    # A capped page's links carry the cap's marks: narrowed by a filter, it is decided again.
    relinked = page(served, _search="复议", report_year="2020", _nocount="1", _nofacet="1", _xxgk_capped="1")
    assert shown_count(relinked) == "8" and 'class="facet-info"' in relinked
    # At the cap exactly: 12 of 2019 > 10 capped; no search at all: datasette's own count.
    assert shown_count(page(served, _search="复议", report_year="2019")) == "10+"
    assert shown_count(page(served)) == "25"
    data = json.loads(get(f"{served}/reports.json?_search=%E7%BB%9F%E8%AE%A1%E6%95%B0%E6%8D%AE"))
    assert data["filtered_table_rows_count"] == 5


def test_the_cap_setting(monkeypatch):
    monkeypatch.delenv("XXGK_SEARCH_COUNT_CAP", raising=False)
    assert count_cap() == COUNT_CAP_DEFAULT == 10_000
    for value, cap in (("500", 500), ("20,000", 20_000), ("0", 0), ("lots", COUNT_CAP_DEFAULT), ("-3", COUNT_CAP_DEFAULT)):
        monkeypatch.setenv("XXGK_SEARCH_COUNT_CAP", value)
        assert count_cap() == cap
