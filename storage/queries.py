"""Named queries on the archive, shared by the incremental crawl, the crawl runner, `xxgk
capture`, the UI pages and datasette's canned queries, so that each question is written once.

Reports only: pages that were not reports (is_report = 0) stay out of every count, page and
chart; `IS_REPORT` is that filter (older archives have no value there: null counts as a report).
"""
from __future__ import annotations

import sqlite3
from typing import Iterable, Optional

IS_REPORT = "(is_report = 1 or is_report is null)"


# -- the crawler ---------------------------------------------------------------------------------
def fetch_state(conn: sqlite3.Connection, urls: Optional[Iterable[str]] = None,
                origins: Optional[Iterable[str]] = None
                ) -> list[tuple[str, Optional[str], Optional[str], Optional[str]]]:
    """(url, last good fetch time, ETag, Last-Modified) per URL fetched with a usable response;
    an archive written before ETags were kept gives null for them. `urls`: only these;
    `origins` ("scheme://host[:port]"): only URLs on these (a crawl's own site, not the whole
    archive: ranges of the index on url)."""
    cols = {r[1] for r in conn.execute("pragma table_info(fetches)")}
    if not cols:
        return []
    etag = "etag" if "etag" in cols else "null"
    modified = "last_modified" if "last_modified" in cols else "null"
    sql = (f"select url, max(coalesce(last_fetched_at, fetched_at)), {etag}, {modified} "
           "from fetches where status in (200, 304) and error is null")
    if urls is None and origins is not None:
        out = []
        for origin in sorted(set(origins)):  # origin + "/" … origin + "0": the paths under it
            out += conn.execute(sql + " and (url = ? or (url >= ? and url < ?)) group by url",
                                [origin, origin + "/", origin + "0"]).fetchall()
        return out
    if urls is None:
        return conn.execute(sql + " group by url").fetchall()
    wanted, out = sorted(set(urls)), []
    for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[i:i + 500]
        out += conn.execute(sql + f" and url in ({', '.join('?' * len(chunk))}) group by url", chunk).fetchall()
    return out


def latest_run_id(conn: sqlite3.Connection, portal: str) -> int:
    """The id of the portal's latest crawl_runs row (0: none yet)."""
    exists = conn.execute("select 1 from sqlite_master where type = 'table' and name = 'crawl_runs'").fetchone()
    if not exists:
        return 0
    row = conn.execute("select max(id) from crawl_runs where portal = ?", (portal,)).fetchone()
    return row[0] or 0


def fail_running_runs(conn: sqlite3.Connection, portal: str, after_id: int, finished_at: str) -> int:
    """Close the portal's runs after run `after_id` still marked running as failed (their
    writer died); how many."""
    return conn.execute("update crawl_runs set status = 'failed', finished_at = ? "
                        "where portal = ? and id > ? and status = 'running'",
                        (finished_at, portal, after_id)).rowcount


def run_after(conn: sqlite3.Connection, portal: str, after_id: int) -> Optional[tuple]:
    """(status, pages, reports_new, reports_changed, errors) of the portal's latest run started
    after run `after_id`, or None when no run was recorded since."""
    exists = conn.execute("select 1 from sqlite_master where type = 'table' and name = 'crawl_runs'").fetchone()
    if not exists:
        return None
    return conn.execute(
        "select status, pages, reports_new, reports_changed, errors from crawl_runs "
        "where portal = ? and id > ? order by id desc limit 1", (portal, after_id)
    ).fetchone()


def health_after(conn: sqlite3.Connection, portal: str, after_id: int) -> Optional[str]:
    """The health ('ok' / 'suspect: why') of the portal's latest run after run `after_id`."""
    cols = {r[1] for r in conn.execute("pragma table_info(crawl_runs)")}
    if "health" not in cols:
        return None
    row = conn.execute("select health from crawl_runs where portal = ? and id > ? order by id desc limit 1",
                       (portal, after_id)).fetchone()
    return row[0] if row else None


# Each portal's recent runs, newest first, with what the lists showed (xxgk portals --health,
# the crawl_health canned query): a row per run (column_url, last, empty), followed, for a portal of
# several columns (start URLs), by a row per column with that column's own figures and verdict.
CRAWL_HEALTH_SQL = """with runs as (
  select portal, id as run_id, started_at, status, coalesce(health, '') as health,
    reports_listed, reports_new, reports_changed, reports_unchanged, would_remove, pages, errors,
    reports_listed - lag(reports_listed) over (partition by portal order by id) as listed_change,
    '' as column_url
  from crawl_runs
), columns as (
  select r.portal, c.run_id, r.started_at, r.status, coalesce(c.health, '') as health,
    c.reports_listed, c.reports_new, c.reports_changed, c.reports_unchanged, c.would_remove,
    null as pages, null as errors,
    c.reports_listed - lag(c.reports_listed) over (partition by c.column_url order by c.run_id) as listed_change,
    c.column_url
  from crawl_columns c join crawl_runs r on r.id = c.run_id
  where (select count(*) from crawl_columns k where k.run_id = c.run_id) > 1
)
select * from runs union all select * from columns
order by portal, run_id desc, column_url"""


# -- captures ------------------------------------------------------------------------------------
def renamed_id(conn: sqlite3.Connection, report_id: str) -> Optional[str]:
    """The id now of a report that had `report_id` before it was re-keyed (report_ids,
    storage/rekey.py), or None."""
    if not conn.execute("select 1 from sqlite_master where type = 'table' and name = 'report_ids'").fetchone():
        return None
    row = conn.execute("select new_id from report_ids where old_id = ?", [report_id]).fetchone()
    return row[0] if row else None


def capture_of(conn: sqlite3.Connection, report_id: str) -> Optional[tuple]:
    """(warc_file, warc_offset, captured_at) of a report (an old id found through report_ids),
    None for an unknown id."""
    sql = "select warc_file, warc_offset, captured_at from reports where id = ?"
    found = conn.execute(sql, [report_id]).fetchone()
    if found is None and (new := renamed_id(conn, report_id)) is not None:
        found = conn.execute(sql, [new]).fetchone()
    return found


# -- datasette's canned queries (the journalist questions; titles in xxgk/serve.py) --------------
REPORTS_BY_YEAR_SQL = f"""select report_year, count(*) as reports, count(distinct agency) as agencies,
  sum(proactive_disclosed) as proactive_disclosed, sum(applications_received) as applications_received,
  sum(reconsideration_total) as reconsideration_total, sum(litigation_total) as litigation_total,
  sum(checks_count) as failed_checks
from reports where {IS_REPORT}
group by report_year order by report_year desc"""

YEAR_OVER_YEAR_SQL = f"""with yearly as (
  select agency, report_year, applications_received as value, id,
    row_number() over (partition by agency, report_year
                       order by removed_at is null desc, published_date desc, id) as pick
  from reports
  where {IS_REPORT} and agency is not null and report_year is not null
    and applications_received is not null
), series as (
  select agency, report_year, value, id,
    lag(report_year) over w as previous_year, lag(value) over w as previous_value
  from yearly where pick = 1
  window w as (partition by agency order by report_year)
)
select agency, previous_year, report_year, previous_value, value as applications_received,
  value - previous_value as change,
  round(100.0 * (value - previous_value) / nullif(previous_value, 0), 1) as change_percent,
  id as report_id
from series
where previous_year = report_year - 1
order by abs(value - previous_value) desc, agency, report_year
limit 100"""

REMOVED_REPORTS_SQL = """select removed_at, agency, report_year, title, url, first_seen,
  last_seen, captured_at, id as report_id
from reports
where removed_at is not null
order by removed_at desc, agency, report_year"""
