"""The portal registry (crawler/portals.yaml): real report columns of every level and
family, well-formed, each family backed by a replica crawled in tests."""
from __future__ import annotations

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
