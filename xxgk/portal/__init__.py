"""The bundled demo portal: a deterministic, Hanweb-jcms-style information-disclosure
portal of a fictional city (plus one real report's facts), served on loopback. Its
agencies report from 2008 to 2024: the pre-2019 统计表, then the national templates of
2019 (report years 2019–2020) and 2021 (2021 on); a few reports carry a deliberate
error that the consistency checks must find (ReportFacts.expected_checks).

    portal = build_demo_portal(seed=2018)            # or n_reports=100_000
    with serve_portal(portal) as base_url:
        crawl(base_url + portal.start_paths[0])

portal.reports / portal.notices / portal.missing_paths are the ground truth a crawl
and its extraction are checked against (cells, template, indicators, checks).
"""
from xxgk.portal.facts import ExpectedCell, ListEntry, NoticeFacts, ReportFacts
from xxgk.portal.server import Portal, build_demo_portal, serve_portal

__all__ = ["build_demo_portal", "serve_portal", "Portal", "ReportFacts", "NoticeFacts",
           "ExpectedCell", "ListEntry"]
