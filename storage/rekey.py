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
were merged into. The moves are a few set-wise statements over a temporary mapping table
(100,000 re-keyed reports with 2 million cells: see the README, *Report identity*).
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping, Optional

import sqlite_utils

from storage.identity import report_id_for
from storage.versions import pack

# Tables holding a report id besides reports.id: moved with the report.
# `cells` and `report_versions` are views over cell_values and version_store since migration 4
# (only tables are moved: whichever of the two layouts the archive has).
MOVED_WITH_REPORT = ("cells", "cell_values", "checks", "report_versions", "version_store", "report_changes",
                     "attachments")
# Of those, what goes when a report is merged into another (the rest stays under its old id,
# but attachments follow the report they belong to).
DROPPED_WHEN_MERGED = ("cells", "cell_values", "checks")
MAP = "temp.xxgk_rekey"


def freeze_current_version(db: sqlite_utils.Database, report_id: str) -> None:
    """Keep a report's current version as JSON (the report_versions view rebuilds it from rows
    about to be deleted)."""
    for version, data_json in db.execute(
            "select version, data_json from report_versions where report_id = ? and data_json is not null "
            "and version in (select version from version_store where report_id = ? and data_json is null "
            "and data_zlib is null)",
            [report_id, report_id]).fetchall():
        db.execute("update version_store set data_zlib = ?, data_size = ? where report_id = ? and version = ?",
                   [*pack(data_json), report_id, version])


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _exists(db: sqlite_utils.Database, table: str) -> bool:
    return db.execute("select 1 from sqlite_master where type = 'table' and name = ?", [table]).fetchone() is not None


def rekey_reports(db: sqlite_utils.Database, aliases: Optional[Mapping[str, str]] = None,
                  portal: Optional[str] = None, reason: str = "") -> int:
    """Move reports (of `portal`, or all) to the ids their URLs give now; how many moved.
    The caller holds the write transaction (or none: each statement then commits alone)."""
    where, params = ("where portal = ?", [portal]) if portal is not None else ("", [])
    stored = {rid: (url, first or "", seen or "")
              for rid, url, first, seen in db.execute(f"select id, url, first_seen, last_seen from reports {where}",
                                                      params)}
    moving = {rid: new for rid, (url, _f, _s) in stored.items() if url and (new := report_id_for(url, aliases)) != rid}
    if not moving:
        return 0
    groups: dict[str, list[str]] = {}
    for rid, new in moving.items():
        groups.setdefault(new, []).append(rid)
    occupied = set()
    targets = list(groups)
    for start in range(0, len(targets), 500):
        chunk = targets[start:start + 500]
        occupied |= {r[0] for r in db.execute(
            f"select id from reports where id in ({', '.join('?' for _ in chunk)})", chunk)}
    when = _now()
    mapping, first_seen = [], {}
    for new, olds in groups.items():
        keep = None if new in occupied else max(olds, key=lambda rid: (stored[rid][2], rid))
        firsts = [stored[rid][1] for rid in olds if stored[rid][1]]
        if firsts:
            first_seen[new] = min(firsts)
        mapping += [{"old_id": old, "new_id": new, "url": stored[old][0], "rekeyed_at": when, "reason": reason,
                     "kept": int(old == keep)} for old in olds]
    db.execute(f"create table if not exists {MAP} (old_id text primary key, new_id text, kept integer)")
    db.execute(f"delete from {MAP}")
    db.conn.executemany(f"insert into {MAP} values (?, ?, ?)", [(m["old_id"], m["new_id"], m["kept"]) for m in mapping])
    tables = [t for t in MOVED_WITH_REPORT if _exists(db, t)]
    lookup = f"(select new_id from {MAP} m where m.old_id = {{column}})"
    merged = f"(select old_id from {MAP} where kept = 0)"
    kept = f"(select old_id from {MAP} where kept = 1)"
    if "version_store" in tables:  # a merged report's current version lived in the rows that go
        for (old,) in db.execute(f"select old_id from {MAP} where kept = 0").fetchall():
            freeze_current_version(db, old)
    for table in tables:
        if table in DROPPED_WHEN_MERGED:
            db.execute(f"delete from [{table}] where report_id in {merged}")
    if "attachments" in tables:
        db.execute(f"update attachments set report_id = {lookup.format(column='attachments.report_id')} "
                   f"where report_id in (select old_id from {MAP})")
    db.execute(f"delete from reports where id in {merged}")
    for table in tables:
        if table != "attachments":
            db.execute(f"update [{table}] set report_id = {lookup.format(column=f'[{table}].report_id')} "
                       f"where report_id in {kept}")
    db.execute(f"update reports set id = {lookup.format(column='reports.id')} where id in {kept}")
    db.conn.executemany("update reports set first_seen = ? where id = ? and (first_seen is null or first_seen > ?)",
                        [(first, new, first) for new, first in first_seen.items()])
    # An id moved twice (the rules, then an alias) maps from its first id to its latest.
    db.execute(f"update report_ids set new_id = (select new_id from {MAP} m where m.old_id = report_ids.new_id) "
               f"where new_id in (select old_id from {MAP})")
    db.table("report_ids").upsert_all(mapping, pk="old_id")
    db.execute(f"drop table {MAP}")
    return len(moving)
