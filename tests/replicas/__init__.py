"""Replica portals of the families the crawler knows, for tests: small, deterministic
sites served on loopback whose content comes from the demo portal's facts
(xxgk.portal.facts), so a crawl can be checked report by report and cell by cell.

    replica = build("trs")
    with serve_replica(replica) as base_url:
        crawl(base_url + replica.start_path)

replica.reports / replica.notices are the ground truth (ReportFacts / NoticeFacts whose
art_path is the page's path and query on the replica). The jcms family's replica is the
demo portal itself (xxgk.portal).
"""
from __future__ import annotations

from typing import Callable

from replicas import aspnet, govcn, legacy, trs, yunnan
from replicas.common import Replica, key_of_url
from replicas.server import serve_replica

BUILDERS: dict[str, Callable[[], Replica]] = {
    "trs": trs.build,
    "govcn": govcn.build,
    "yunnan": yunnan.build,
    "aspnet": aspnet.build,
    "gbk_nocharset": legacy.build_no_charset,
    "gbk_gb2312": legacy.build_gb2312,
    "gbk_utf8header": legacy.build_utf8_header,
}
# Which family each replica stands for ("jcms": the bundled demo portal, xxgk.portal).
FAMILY_OF = {name: ("generic" if name.startswith("gbk_") else name) for name in BUILDERS} | {"demo": "jcms"}

__all__ = ["BUILDERS", "FAMILY_OF", "Replica", "build", "key_of_url", "serve_replica"]


def build(name: str) -> Replica:
    return BUILDERS[name]()
