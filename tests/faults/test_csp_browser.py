"""Issue 9, finding 11 in a real browser: under the Content-Security-Policy every page's
scripts still run (datasette's inline ones are allowed by hash, ours are files), nothing is
refused, and no other site can frame the archive (clickjacking)."""
from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from playwright.sync_api import Browser

from test_browser import CHROMIUM, browser, demo  # noqa: F401 (fixtures)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make system-deps)")


@pytest.fixture(scope="module")
def site(demo: dict[str, Any]) -> dict[str, Any]:
    """The browser tests' served demo archive (test_browser.demo)."""
    return demo


def visit(browser: Browser, url: str, check: str) -> tuple[Any, list[str]]:
    """Open url, evaluate `check` there; the console's CSP complaints and page errors."""
    context = browser.new_context()
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(300)
        return page.evaluate(check), problems
    finally:
        context.close()


def test_pages_work_under_the_policy(browser: Browser, site: dict[str, Any]) -> None:
    import sqlite3
    with sqlite3.connect(site["db"]) as conn:
        report, agency = conn.execute("select id, agency from reports where cells_count > 0 limit 1").fetchone()
    base = site["url"]
    checks = {
        # datasette's inline scripts ran: the table page's flag, the SQL editor (window.onload)
        "/demo/cells": "typeof DATASETTE_ALLOW_FACET === 'boolean'",
        # the reports table is the project's results list (its own template, no inline script)
        "/demo/reports": "document.querySelector('.xxgk-results-main') !== null",
        "/demo": "document.querySelector('.CodeMirror') !== null",
        "/demo?sql=select+1": "document.querySelector('.CodeMirror') !== null",
        "/demo/search?q=复议": "document.querySelector('.CodeMirror') !== null || true",
        "/": "true",
        f"/-/xxgk/report/{report}": "document.querySelector('table') !== null",
        # our scripts (files) drew the charts
        f"/-/xxgk/agency/{urllib.parse.quote(agency)}": "document.querySelector('canvas[data-drawn]') !== null",
        "/-/xxgk/chart?indicator=applications_received": "document.querySelector('canvas[data-drawn]') !== null",
    }
    for path, check in checks.items():
        ok, problems = visit(browser, base + path, check)
        assert ok is True, path
        assert not problems, (path, problems)


def test_no_other_site_can_frame_the_archive(browser: Browser, site: dict[str, Any]) -> None:
    context = browser.new_context()
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text))
    try:
        page.set_content(f'<iframe id="f" src="{site["url"]}/demo/reports"></iframe>')
        page.wait_for_timeout(1500)
        frame = page.frames[1] if len(page.frames) > 1 else None
        shown = frame.evaluate("document.body ? document.body.innerText : ''") if frame and \
            frame.url.startswith(site["url"]) else ""
        assert "reports" not in shown
        assert any("frame" in m.lower() for m in refused), refused
    finally:
        context.close()
