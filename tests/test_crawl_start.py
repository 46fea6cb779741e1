"""How the crawl's processes are set up for a long crawl: the cycle collector settled
(crawler/heap.py) and the hot path it relies on (reading a page leaves no reference cycle
behind); Scrapy's consoles not even loaded."""
from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from pipelines.readers.html import from_html

PAGE = ("<html><head><title>报告</title></head><body><div class='head'>索引号：11330000/2021-00001</div>"
        "<div id='zoom'><p>一、总体情况</p><table><tr><td>收到申请数</td><td>12</td></tr></table>"
        "<p>二、主动公开</p></div></body></html>")


def test_reading_a_page_leaves_no_reference_cycle() -> None:
    # A cycle would keep the parsed page (lxml's whole tree) until the collector ran: with the
    # crawl's collector settled (collecting rarely), several pages at once.
    gc.collect()
    gc.disable()
    try:
        doc = from_html(PAGE)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert doc.blocks and doc.header_blocks
    assert unreachable == 0


def _run(code: str, env_value: str = "") -> str:
    env = {"PATH": "/usr/bin:/bin", "XXGK_GC": env_value}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env, cwd=Path(__file__).resolve().parents[1]).stdout.split()


SETTLE = ("import gc; from crawler.heap import settle, YOUNG_THRESHOLD; "
          "print(settle(), settle(), gc.get_freeze_count() > 0, gc.get_threshold()[0] == YOUNG_THRESHOLD)")


def test_settle_freezes_once_and_collects_less_often() -> None:
    assert _run(SETTLE) == ["True", "False", "True", "True"]


def test_settle_can_be_left_to_pythons_defaults() -> None:
    assert _run(SETTLE, "default") == ["False", "False", "False", "False"]


def test_the_crawl_loads_neither_console() -> None:
    """Scrapy's telnet console and remote control (an HTTP server running the Python sent to it)
    stay off, and their modules unloaded: importing them took ~0.1 s of every crawl's start."""
    code = ("import sys; from scrapy.utils.reactor import install_reactor; "
            "install_reactor('twisted.internet.asyncioreactor.AsyncioSelectorReactor'); "
            "from scrapy.crawler import Crawler; from scrapy.utils.project import get_project_settings; "
            "from crawler.spiders.portal import PortalSpider; "
            "c = Crawler(PortalSpider, get_project_settings()); c._apply_settings(); "
            "print(sorted(type(e).__name__ for e in c.extensions.middlewares)); "
            "print('scrapy.extensions.remote_control' in sys.modules, 'aiohttp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.splitlines()
    assert "TelnetConsole" not in out[0] and "RemoteControl" not in out[0] and "CoreStats" in out[0]
    assert out[1] == "False False"
