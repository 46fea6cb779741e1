"""The cycle collector's settings for the crawl's processes (crawler/heap.py), and the hot
path it relies on: reading a page leaves no reference cycle behind."""
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
