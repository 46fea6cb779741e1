"""The order of a crawl: report pages before further list pages. A jcms column announces all
its list pages at once; fetched first (breadth first), they would queue every report of the
portal in the crawl process at the same time (5,000 Requests per portal in scale_bench).
Reports first keeps that queue to about one list page's worth. A real crawl of a loopback
portal; the portal records what was asked of it."""
from __future__ import annotations

import threading

from conftest import xxgk
from xxgk.portal import build_demo_portal, serve_portal
from xxgk.portal.server import _COLUMN_PATHS, _PROXY_PATHS

N_REPORTS = 300  # 20 list pages of 15


def test_reports_are_fetched_before_the_next_list_pages(tmp_path):
    portal = build_demo_portal(n_reports=N_REPORTS)
    asked: list[str] = []
    lock = threading.Lock()
    handle = portal.handle

    def recording(method, path, query, body, headers):
        kind = ("list" if path in _COLUMN_PATHS or path in _PROXY_PATHS
                else "report" if path.endswith(".html") else "other")
        with lock:
            asked.append(kind)
        return handle(method, path, query, body, headers)

    portal.handle = recording
    with serve_portal(portal) as base:
        done = xxgk("crawl", "--url", base + portal.start_paths[0], "--db", str(tmp_path / "a.db"))
    assert done.returncode == 0, done.stderr
    assert asked.count("report") >= N_REPORTS
    last_list = len(asked) - 1 - asked[::-1].index("list")
    before = asked[:last_list].count("report")
    # Breadth first, not one report would come before the last list page.
    assert before >= N_REPORTS // 2, f"{before} of {N_REPORTS} reports fetched before the last list page"
