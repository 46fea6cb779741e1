"""The bundled demo portal: a deterministic, Hanweb-jcms-style information-disclosure
portal of a fictional city (plus one real report's facts), served on loopback.

    portal = build_demo_portal(seed=2018)            # or n_reports=100_000
    with serve_portal(portal) as base_url:
        crawl(base_url + portal.start_paths[0])

portal.reports / portal.notices / portal.missing_paths are the ground truth a crawl
and its extraction are checked against.
"""
from xxgk.portal.facts import ExpectedCell, ListEntry, NoticeFacts, ReportFacts
from xxgk.portal.server import Portal, build_demo_portal, serve_portal

__all__ = ["build_demo_portal", "serve_portal", "Portal", "ReportFacts", "NoticeFacts",
           "ExpectedCell", "ListEntry"]
