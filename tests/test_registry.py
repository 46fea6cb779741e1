"""The portal registry (crawler/portals.yaml): real report columns of every level and
family, well-formed, each family backed by a replica crawled in tests."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.families import NAMES as FAMILY_NAMES
from crawler.registry import LEVELS, REGISTRY_PATH, RegistryError, load
from replicas import FAMILY_OF

TESTS = Path(__file__).parent
CRON_RE = re.compile(r"^(\S+\s+){4}\S+$")


@pytest.fixture(scope="module")
def registry():
    return load()


@pytest.fixture(scope="module")
def real(registry):
    return [e for e in registry.values() if not e.bundled]


def test_demo_entry_kept_and_first(registry):
    first = next(iter(registry.values()))
    assert first.id == "demo" and first.bundled and first.family == "jcms"


def test_at_least_twenty_real_portals(real):
    assert len(real) >= 20
    for entry in real:
        for url in entry.start_urls:
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https") and parts.hostname, (entry.id, url)
            assert parts.hostname.endswith(".gov.cn"), (entry.id, url)   # government portals only


def test_ids_and_start_urls_unique():
    raw = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))["portals"]
    ids = Counter(p["id"] for p in raw)
    assert [i for i, n in ids.items() if n > 1] == []
    urls = Counter(u for p in raw for u in p["start_urls"])
    assert [u for u, n in urls.items() if n > 1] == []


def test_no_entry_pins_an_encoding():
    """Pages are decoded from their bytes (pipelines/decode.py); an `encoding` field would be
    read by nothing, so the registry has none."""
    raw = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))["portals"]
    assert [p["id"] for p in raw if "encoding" in p] == []


def test_every_level_and_at_least_five_provinces(real):
    assert {e.level for e in real} >= {"central", "province", "city", "county"}
    assert all(e.level in LEVELS for e in real)
    provinces = {e.province_code for e in real if e.region_code}
    assert len(provinces) >= 5
    for e in real:
        if e.level == "central":
            assert e.region_code is None, e.id
        else:
            assert e.region_code and re.fullmatch(r"\d{6}", e.region_code), e.id
            if e.level == "province":
                assert e.region_code.endswith("0000"), e.id
            elif e.level == "city":
                assert e.region_code.endswith("00") and not e.region_code.endswith("0000"), e.id
            else:
                assert not e.region_code.endswith("00"), e.id


def test_every_family_present_and_backed_by_a_replica_test(registry):
    assert {e.family for e in registry.values()} == set(FAMILY_NAMES)
    assert set(FAMILY_OF.values()) == set(FAMILY_NAMES)
    crawl_tests = (TESTS / "test_replicas_crawl.py").read_text(encoding="utf-8")
    assert "def test_every_cell_stored_with_its_value" in crawl_tests
    for family in FAMILY_NAMES:
        assert any(f == family for f in FAMILY_OF.values()), family


def test_every_entry_documented(real):
    for e in real:
        assert e.name and len(e.notes) > 20, e.id
        assert e.schedule and CRON_RE.match(e.schedule), e.id


def test_registry_rejects_bad_entries(tmp_path):
    def write(entries):
        path = tmp_path / "portals.yaml"
        path.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), encoding="utf-8")
        return path

    good = {"id": "a", "name": "甲", "family": "trs", "start_urls": ["http://www.a.gov.cn/nb/"],
            "level": "city", "region_code": "330100"}
    assert list(load(write([good]))) == ["a"]
    for bad in ({"family": "wordpress"}, {"level": "village"}, {"region_code": "33"},
                {"start_urls": ["ftp://x.gov.cn/"]}, {"id": "Has Space"}):
        with pytest.raises(RegistryError):
            load(write([good | bad]))
    with pytest.raises(RegistryError, match="duplicate"):
        load(write([good, good]))
    with pytest.raises(RegistryError, match="missing"):
        load(write([{"id": "b", "name": "乙"}]))


# --- evidence: what the registry review (2026-11) caught, as rules -------------------------
#
# Every address the evidence names (full http(s) URLs in its text) is read for the URL shapes
# of the portal systems: a registered family must fit them, and a shape that proves a family
# must be registered as it.

from crawler.families import trs as trs_family, yunnan as yunnan_family, govcn as govcn_family  # noqa: E402
from crawler.registry import STATUSES  # noqa: E402
from crawler.regions import MAINLAND, PROVINCES, codes, name_of, short_name  # noqa: E402

URL_IN_TEXT_RE = re.compile(r"https?://[^\s，；。、（）()<>\"'`]+")
JCMS_COL_RE = re.compile(r"/col/col(\d+)/")
JCMS_ART_RE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_(\d+)_\d+\.html?$")
TRS_PAGER_RE = re.compile(r"createPageHTML|countPage|\bindex_(?:\d+|N|\{\w+\})\.s?html?\b")
PATH_FAMILIES = {"trs": trs_family.is_article_url, "govcn": govcn_family.is_article_url,
                 "yunnan": yunnan_family.is_article_url}


def seen_urls(entry) -> list[str]:
    return [u.rstrip(".,;:") for u in URL_IN_TEXT_RE.findall(entry.evidence)]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def articles(entry) -> list[str]:
    """Addresses in the evidence, on the column's own site, that are not its list pages (an
    address on another site, a mirror or a neighbour portal, says nothing of this system)."""
    hosts = {host_of(u) for u in entry.start_urls}
    out = []
    for url in seen_urls(entry):
        if host_of(url) not in hosts:
            continue
        path = urlsplit(url).path
        if url in entry.start_urls:
            continue
        if path.endswith("/") or re.search(r"/(?:index|list|rlist)(?:_\d+)?\.s?html?$|/\d+\.html$", path):
            continue
        out.append(url)
    return out


def shape_problems(entry) -> list[str]:
    """Why the registered family does not fit the addresses seen (empty: it fits)."""
    problems = []
    urls = list(entry.start_urls) + seen_urls(entry)
    paths = [urlsplit(u).path for u in urls]
    arts = articles(entry)
    if any(p.lower().endswith(".aspx") for p in paths) != (entry.family == "aspnet"):
        problems.append(".aspx addresses belong to the aspnet family, and only they do")
    if entry.family == "jcms":
        cols = {m.group(1) for u in entry.start_urls for m in [JCMS_COL_RE.search(u)] if m}
        if not cols:
            problems.append("a jcms column is /col/colN/")
        for url in arts:
            m = JCMS_ART_RE.search(urlsplit(url).path)
            if not m:
                problems.append(f"a jcms article is /art/Y/M/D/art_COL_N.html, not {url}")
            elif m.group(1) not in cols:
                problems.append(f"{url} is an article of column {m.group(1)}, not {sorted(cols)}")
    elif any(JCMS_COL_RE.search(u) for u in entry.start_urls):
        problems.append("a /col/colN/ column is jcms")
    trs_signs = [u for u in arts if trs_family.is_article_url(u)]
    if entry.family == "trs":
        if not (trs_signs or TRS_PAGER_RE.search(" ".join(urls) + " " + entry.evidence)):
            problems.append("trs needs a t20220125_N article or an index_N page / createPageHTML in the evidence")
    elif trs_signs or re.search(r"createPageHTML|countPage", entry.evidence):
        problems.append("t20220125_N articles or the createPageHTML pager mean trs")
    if entry.family in PATH_FAMILIES:
        fits = PATH_FAMILIES[entry.family]
        if entry.family != "trs" and not any(fits(u) for u in arts):
            problems.append(f"no article address in the evidence fits the {entry.family} pattern")
        problems += [f"{u} does not fit the {entry.family} article pattern" for u in arts if not fits(u)]
    elif entry.family != "trs":
        for family, fits in PATH_FAMILIES.items():
            if family != "trs" and any(fits(u) for u in arts):
                problems.append(f"articles of the {family} pattern mean {family}")
    return problems


def test_every_entry_has_evidence_status_and_date(registry):
    today = dt.date.today()
    for e in registry.values():
        assert e.status in STATUSES, e.id
        assert len(e.evidence) >= 30, (e.id, "evidence: where the address was seen, with the address")
        if e.status != "unverified":
            assert e.verified and dt.date.fromisoformat(e.verified) <= today, e.id
        if e.status != "unverified" and not e.bundled:
            assert evidence_names_a_start_host(e), (e.id, "the evidence names an address on the start URL's host")


def evidence_names_a_start_host(entry) -> bool:
    return bool({host_of(u) for u in seen_urls(entry)} & {host_of(u) for u in entry.start_urls})


def test_family_fits_the_url_shapes(registry):
    wrong = {e.id: shape_problems(e) for e in registry.values() if not e.bundled}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_region_codes_are_gbt2260_and_name_the_place(real):
    short_provinces = {short_name(name): code for code, name in PROVINCES.items()}
    for e in real:
        if e.level == "central":
            continue
        assert e.region_code in codes(), (e.id, e.region_code, "not a GB/T 2260 code")
        province = PROVINCES[e.region_code[:2]]
        if e.province:
            assert e.province == province, e.id
        place = short_name(name_of(e.region_code))
        assert place in e.name or place in (e.city or ""), (e.id, e.region_code, name_of(e.region_code))
        for short, code in short_provinces.items():
            if e.name.startswith(short) and not e.name.startswith(place):   # 海南藏族自治州 is in 青海
                assert code == e.region_code[:2], (e.id, e.name, "names another province than", province)


def column_key(url: str) -> str:
    """One column, however its list page is written (scheme, www., index.html, trailing /)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = re.sub(r"/(?:index|list|rlist)\.s?html?$|/1\.html$", "/", parts.path).rstrip("/")
    m = JCMS_COL_RE.search(parts.path)
    if m:
        path = f"/col/col{m.group(1)}"
    return f"{host}{path}?{parts.query}" if parts.query else host + path


def test_no_two_entries_share_a_column(registry):
    owners: dict[str, list[str]] = {}
    for e in registry.values():
        for url in e.start_urls:
            owners.setdefault(column_key(url), []).append(e.id)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_national_coverage(real):
    assert len(real) >= 100
    provinces = {e.region_code[:2] for e in real if e.region_code}
    assert sorted(set(MAINLAND) - provinces) == []
    assert sum(e.level == "central" for e in real) >= 10
    assert {e.level for e in real} >= {"central", "province", "city", "county"}


# Who counts as a provincial government or a ministry: (name, region code, level, government?, ministry?).
BODY_CASES = [
    ("河北省人民政府 政府信息公开年报（河北省）", "130000", "province", True, False),
    ("吉林省人民政府办公厅 政府信息公开工作年度报告", "220000", "province", True, False),
    ("江西省人民政府（办公厅） 政府信息公开工作年度报告", "360000", "province", True, False),
    ("重庆市人民政府外事办公室 政府信息公开年报", "500000", "province", False, False),   # a department
    ("河南省文化和旅游厅 政府信息公开年报", "410000", "province", False, False),
    ("北京市人民政府 政府信息公开工作年度报告", "120000", "province", False, False),    # another province's code
    ("江门市人民政府 政府信息公开年报", "440700", "city", False, False),
    ("财政部 政府信息公开工作年度报告", None, "central", False, True),
    ("国家发展和改革委员会 政府信息公开年报", None, "central", False, True),
    ("国家税务总局 政府信息公开年报", None, "central", False, False),              # not a 组成部门
]


@pytest.mark.parametrize("name,code,level,government,ministry", BODY_CASES)
def test_provincial_government_and_ministry_are_read_from_the_name(name, code, level, government, ministry):
    from crawler.registry import PortalEntry, is_ministry, is_provincial_government

    e = PortalEntry(id="x", name=name, family="generic", start_urls=("http://www.a.gov.cn/",),
                    level=level, region_code=code)
    assert (is_provincial_government(e), is_ministry(e)) == (government, ministry)


def test_every_province_has_its_government_and_ten_ministries_are_in(real):
    """Toward national coverage (issue 16): the government (or its general office) of each of the
    31 mainland provinces has an entry, and at least 10 ministries of the State Council do."""
    from crawler.registry import STATE_COUNCIL_MINISTRIES, body_of, is_ministry, is_provincial_government

    governments = {e.province_code for e in real if is_provincial_government(e)}
    assert [PROVINCES[k] for k in MAINLAND if k not in governments] == []
    ministries = {body_of(e) for e in real if is_ministry(e)}
    assert ministries <= set(STATE_COUNCIL_MINISTRIES) and len(ministries) >= 10, sorted(ministries)


# The review's family corrections, frozen: (start URL, evidence, family registered before, family after).
REVIEWED_FAMILIES = [
    ("http://lq.km.gov.cn/zfxxgkml/zfxxgkndbg/", "CrawlSpider rules allow /c/YYYY-MM-DD/N.shtml, e.g. "
     "http://lq.km.gov.cn/c/2021-01-29/1.shtml, and index_N.shtml", "yunnan", "generic"),
    ("https://www.lsz.gov.cn/zfxxgknb/", "https://www.lsz.gov.cn/zfxxgknb/2021nnb/202201/t20220127_2145973.html",
     "generic", "trs"),
    ("https://rsj.sh.gov.cn/txxgknb_17198/", "republished as https://rsj.sh.gov.cn/txxgknb_17198/t0035_1.html",
     "trs", "generic"),
    ("https://mzj.wuhan.gov.cn/zwgk_918/xxgknb/", "https://mzj.wuhan.gov.cn/zwgk_918/xxgknb/ pages by createPageHTML",
     "generic", "trs"),
    ("https://www.songyang.gov.cn/col/col1229358718/index.html",
     "https://www.songyang.gov.cn/art/2022/1/11/art_1229358718_4858173.html", "generic", "jcms"),
    ("https://hrss.yn.gov.cn/InfoPublic.aspx?cid=1019&pid=971&page=1&kw=", "https://hrss.yn.gov.cn/ list", "trs", "aspnet"),
]


@pytest.mark.parametrize("url,evidence,before,after", REVIEWED_FAMILIES)
def test_shape_rules_catch_the_reviewed_family_mistakes(url, evidence, before, after):
    from crawler.registry import PortalEntry

    def entry(family):
        return PortalEntry(id="x", name="x", family=family, start_urls=(url,), evidence=evidence)
    assert shape_problems(entry(before)) != []
    assert shape_problems(entry(after)) == []


def test_a_jcms_article_of_another_column_is_caught():
    from crawler.registry import PortalEntry

    e = PortalEntry(id="x", name="x", family="jcms", start_urls=("http://www.a.gov.cn/col/col12596/index.html",),
                    evidence="report at http://www.a.gov.cn/art/2022/1/11/art_1229214366_1.html")
    assert any("not ['12596']" in p for p in shape_problems(e))


def test_readme_coverage_table_is_generated():
    """The README's coverage table is `xxgk portals --coverage` of the bundled registry, verbatim."""
    from crawler.registry import coverage_markdown

    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- coverage:start -->\n(.*?)\n<!-- coverage:end -->", readme, re.S)
    assert m, "README has no coverage table between the coverage markers"
    assert m.group(1).strip() == coverage_markdown(load(REGISTRY_PATH).values()), (
        "regenerate it: xxgk portals --coverage")


def test_registry_rejects_unproven_statuses(tmp_path):
    path = tmp_path / "portals.yaml"
    good = {"id": "a", "name": "甲", "family": "trs", "start_urls": ["http://www.a.gov.cn/nb/"], "level": "city",
            "region_code": "330100", "status": "plausible", "verified": "2026-12-04",
            "evidence": "a stored report page http://www.a.gov.cn/nb/202201/t20220125_1.html"}

    def load_one(entry):
        path.write_text(yaml.safe_dump({"portals": [entry]}, allow_unicode=True), encoding="utf-8")
        return load(path)["a"]

    assert load_one(good).status == "plausible" and load_one(good).verified == "2026-12-04"
    assert load_one({k: v for k, v in good.items() if k not in ("status", "verified", "evidence")}).status == "unverified"
    for bad, why in (({"status": "doubtful"}, "unknown status"), ({"verified": "last week"}, "not a date"),
                     ({"evidence": ""}, "needs its evidence"), ({"verified": None}, "needs its evidence")):
        with pytest.raises(RegistryError, match=why):
            load_one(good | bad)


# The pre-review registry (git history of crawler/portals.yaml, before the 2026-11 review): the
# family each corrected entry had then. With the entry's own evidence, the shape rules must
# reject that family, i.e. the test fails on the registry as it was and passes on this one.
PRE_REVIEW_FAMILIES = {
    "luquan-zfxxgkndbg": "yunnan", "xundian-zfxxgkndbg": "yunnan", "shanghai-rsj-xxgknb": "trs",
    "mva-zfxxgknb": "generic", "wuhan-mzj-xxgknb": "generic", "haikou-rsj-xxgknb": "generic",
    "qiannan-mzj-xxgknb": "generic", "handan-zfxxgknb": "generic", "liangshan-xxgknb": "generic",
}


@pytest.mark.parametrize("pid,before", sorted(PRE_REVIEW_FAMILIES.items()))
def test_pre_review_family_fails_on_the_entrys_own_evidence(registry, pid, before):
    from dataclasses import replace

    entry = registry[pid]
    assert entry.family != before and shape_problems(entry) == []
    assert shape_problems(replace(entry, family=before)) != [], (pid, before)


def test_pre_review_wrong_host_fails_on_the_entrys_own_evidence(registry):
    """ggj-gknb was registered at www.ggj.gov.cn/gkml/gknb/; its evidence shows gkml.ggj.gov.cn."""
    from dataclasses import replace

    entry = registry["ggj-gknb"]
    assert evidence_names_a_start_host(entry)
    assert not evidence_names_a_start_host(replace(entry, start_urls=("http://www.ggj.gov.cn/gkml/gknb/",)))
