"""A real datasette over a small archive, queried over HTTP."""
from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import free_port
from servers import running_server
from storage.archive import Archive, report_id_for
from pipelines.model import INDICATOR_KEYS, Cell, Extraction
from xxgk.serve import (TITLE, datasette_command, datasette_metadata,
                        serve)

HTTP_TIMEOUT = 10


def make_extraction(agency: str, year: int, body: str) -> Extraction:
    indicators: dict[str, Any] = {key: None for key in INDICATOR_KEYS}
    indicators["proactive_disclosed"] = year - 2000
    return Extraction(
        source="test", is_report=True, title=f"{agency}{year}年政府信息公开工作年度报告",
        agency=agency, report_year=year, template="2021" if year >= 2021 else "2019",
        cells=[Cell("主动公开政府信息情况", ["规章"], ["本年制发件数"], "件", 3, "3")],
        indicators=indicators, body_text=body,
    )




def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "archive.db"
    with Archive(path) as archive:
        archive.save_report(url="https://a.gov.cn/r/1.html", portal="demo", extraction=
                            make_extraction("衢州市财政局", 2020, "全年办理行政复议案件2件。"))
        archive.save_report(url="https://a.gov.cn/r/2.html", portal="demo", extraction=
                            make_extraction("衢州市统计局", 2021, "全年未收到预算公开申请。"))
        archive.save_report(url="https://a.gov.cn/r/3.html", portal="demo", extraction=
                            make_extraction("衢州市财政局", 2021, "统计数据按时公开。"))
    return path


@pytest.fixture(scope="module")
def base_url(archive_db: Path) -> Iterator[str]:
    with running_server(archive_db, cli=False) as url:
        yield url


def test_metadata_is_served(base_url: str) -> None:
    metadata = get_json(base_url + "/-/metadata.json")
    assert metadata["title"] == TITLE
    reports = metadata["databases"]["archive"]["tables"]["reports"]
    assert reports["columns"]["fees_collected"].startswith("依申请公开收取的费用")
    assert "元" in reports["columns"]["fees_collected"]


def test_search_box_finds_three_character_word(base_url: str) -> None:
    query = urllib.parse.urlencode({"_search": "行政复议", "_shape": "objects"})
    data = get_json(f"{base_url}/archive/reports.json?{query}")
    assert [row["id"] for row in data["rows"]] == [report_id_for("https://a.gov.cn/r/1.html")]


def test_agency_facet(base_url: str) -> None:
    data = get_json(f"{base_url}/archive/reports.json?_facet=agency&_shape=objects")
    facet = data["facet_results"]["agency"]
    counts = {item["value"]: item["count"] for item in facet["results"]}
    assert counts == {"衢州市财政局": 2, "衢州市统计局": 1}
    # the configured facets are there without asking
    default = get_json(f"{base_url}/archive/reports.json")
    assert {"agency", "report_year", "template", "portal"} <= set(default["facet_results"])


def test_canned_search_finds_two_character_word(base_url: str) -> None:
    query = urllib.parse.urlencode({"q": "预算", "_shape": "objects"})
    data = get_json(f"{base_url}/archive/search.json?{query}")
    assert [row["agency"] for row in data["rows"]] == ["衢州市统计局"]
    query = urllib.parse.urlencode({"q": "行政复议", "_shape": "objects"})
    assert [row["agency"] for row in get_json(f"{base_url}/archive/search.json?{query}")["rows"]] \
        == ["衢州市财政局"]


def test_reports_by_year_query(base_url: str) -> None:
    data = get_json(f"{base_url}/archive/reports_by_year.json?_shape=objects")
    assert [(r["report_year"], r["reports"]) for r in data["rows"]] == [(2021, 2), (2020, 1)]


def test_command_and_metadata_file(tmp_path: Path) -> None:
    db = tmp_path / "my.db"
    command = datasette_command(str(db), "127.0.0.1", 9999)
    assert command[1:5] == ["-m", "datasette", "serve", str(db)]
    assert command[command.index("--port") + 1] == "9999"
    pairs = {command[i + 1]: command[i + 2] for i, a in enumerate(command) if a == "--setting"}
    assert pairs["suggest_facets"] == "off"
    written = Path(command[command.index("--metadata") + 1])
    assert json.loads(written.read_text("utf-8")) == datasette_metadata("my")
    assert "my" in datasette_metadata("my")["databases"]


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no archive"):
        serve(str(tmp_path / "missing.db"), "127.0.0.1", free_port())
    assert not os.path.exists(tmp_path / "missing.db")
