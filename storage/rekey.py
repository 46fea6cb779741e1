"""Re-keying reports in place when the id their address gives changed (storage/identity.py).

Run once by migration 3 on archives keyed by the earlier rules (https, `www.`, tracking
parameters made other ids), and by a crawl for its own portal's reports when the registry
declares host names (`hosts:`) that some of them were archived under.

Every report whose id is not its URL's canonical id moves to that id, with its cells, checks,
versions, changes and attachments; the old id stays findable in `report_ids`. Where several
stored reports are one report under the canonical rules (the same page archived from two
addresses), one row is kept: the one already at the canonical id, else the one seen last. The
others' rows in `reports`, `cells` and `checks` go (their content is the kept one's, or comes
back at the next crawl), while their versions and changes stay in `report_versions` and
`report_changes` under their old id, which `report_ids` maps (`kept` = 0) to the report they
were merged into.
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping, Optional

import sqlite_utils

from storage.identity import report_id_for

# Tables holding a report id besides reports.id: moved with the report.
# `cells` and `report_versions` are views over cell_values and version_store since migration 4
# (only tables are moved: whichever of the two layouts the archive has).
MOVED_WITH_REPORT = ("cells", "cell_values", "checks", "report_versions", "version_store", "report_changes",
                     "attachments")
# Of those, what goes when a report is merged into another (the rest stays under its old id).
DROPPED_WHEN_MERGED = ("cells", "cell_values", "checks")


def freeze_current_version(db: sqlite_utils.Database, report_id: str) -> None:
    """Keep a report's current version as JSON (the report_versions view rebuilds it from rows
    about to be deleted)."""
    for version, data_json in db.execute(
            "select version, data_json from report_versions where report_id = ? and data_json is not null "
            "and version in (select version from version_store where report_id = ? and data_json is null)",
            [report_id, report_id]).fetchall():
        db.execute("update version_store set data_json = ? where report_id = ? and version = ?",
                   [data_json, report_id, version])


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _exists(db: sqlite_utils.Database, table: str) -> bool:
    return db.execute("select 1 from sqlite_master where type = 'table' and name = ?", [table]).fetchone() is not None


def rekey_reports(db: sqlite_utils.Database, aliases: Optional[Mapping[str, str]] = None,
                  portal: Optional[str] = None, reason: str = "") -> int:
    """Move reports (of `portal`, or all) to the ids their URLs give now; how many moved.
    The caller holds the write transaction (or none: each statement then commits alone)."""
    where, params = ("where portal = ?", [portal]) if portal is not None else ("", [])
    stored = db.execute(f"select id, url, last_seen from reports {where}", params).fetchall()
    target = {rid: report_id_for(url, aliases) for rid, url, _seen in stored if url}
    moving = {rid: new for rid, new in target.items() if new != rid}
    if not moving:
        return 0
    last_seen = {rid: seen or "" for rid, _url, seen in stored}
    url_of = {rid: url for rid, url, _seen in stored}
    groups: dict[str, list[str]] = {}
    for rid, new in moving.items():
        groups.setdefault(new, []).append(rid)
    tables = [t for t in MOVED_WITH_REPORT if _exists(db, t)]
    when = _now()
    mapping = []
    for new, olds in groups.items():
        occupied = db.execute("select 1 from reports where id = ?", [new]).fetchone() is not None
        keep = None if occupied else max(olds, key=lambda rid: (last_seen.get(rid, ""), rid))
        first = db.execute(f"select min(first_seen) from reports where id in ({', '.join('?' for _ in olds)}) "
                           "or id = ?", [*olds, new]).fetchone()[0]
        for old in olds:
            if old == keep:
                continue
            for table in DROPPED_WHEN_MERGED:
                if table in tables:
                    db.execute(f"delete from [{table}] where report_id = ?", [old])
            if "attachments" in tables:
                db.execute("update attachments set report_id = ? where report_id = ?", [new, old])
            if "version_store" in tables:  # its current version lived in the rows that go: keep it
                freeze_current_version(db, old)
            db.execute("delete from reports where id = ?", [old])
            mapping.append({"old_id": old, "new_id": new, "url": url_of.get(old), "rekeyed_at": when,
                            "reason": reason, "kept": 0})
        if keep is not None:
            for table in tables:
                db.execute(f"update [{table}] set report_id = ? where report_id = ?", [new, keep])
            db.execute("update reports set id = ? where id = ?", [new, keep])
            mapping.append({"old_id": keep, "new_id": new, "url": url_of.get(keep), "rekeyed_at": when,
                            "reason": reason, "kept": 1})
        if first:
            db.execute("update reports set first_seen = ? where id = ? and (first_seen is null or first_seen > ?)",
                       [first, new, first])
    # An id moved twice (rules, then an alias) maps from its first id to its latest.
    for row in mapping:
        db.execute("update report_ids set new_id = ? where new_id = ?", [row["new_id"], row["old_id"]])
    db.table("report_ids").upsert_all(mapping, pk="old_id")
    return len(moving)
