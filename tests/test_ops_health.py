"""Issue 15 finding 1: a portal whose layout changes is noticed. Each run records, per column
(start URL), reports listed, new, changed, unchanged and would-be-removed; a run in which any
column lists under half of its previous complete walk, or would remove more than 10% of its
reports, is `suspect`: nothing is marked removed, the crawl exits 3 and names the portal and
the column in one line."""
from __future__ import annotations

from conftest import free_port, rows, xxgk
from xxgk.portal import build_demo_portal, serve_portal


def test_a_column_that_suddenly_lists_far_fewer_reports_is_suspect(tmp_path):
    db, port = tmp_path / "archive.db", free_port()
    full = build_demo_portal(n_reports=8)
    with serve_portal(full, port=port) as base:
        url = base + full.start_paths[0]
        first = xxgk("crawl", "--url", url, "--db", str(db), "-q")
    assert first.returncode == 0, first.stderr
    run = rows(db, "select * from crawl_runs order by id desc limit 1")[0]
    assert (run["reports_listed"], run["reports_new"], run["would_remove"], run["health"]) == (8, 8, 0, "ok")
    shrunk = build_demo_portal(n_reports=2)
    with serve_portal(shrunk, port=port) as base:
        second = xxgk("crawl", "--url", base + shrunk.start_paths[0], "--db", str(db), "-q")
    assert second.returncode == 3, second.stderr
    lines = [l for l in second.stderr.splitlines() if "suspect" in l]
    assert len(lines) == 1 and "127.0.0.1" in lines[0] and "nothing marked removed" in lines[0], second.stderr
    run = rows(db, "select * from crawl_runs order by id desc limit 1")[0]
    assert run["health"].startswith("suspect") and run["reports_listed"] == 2
    assert run["would_remove"] >= 6
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0
    health = xxgk("portals", "--health", "--db", str(db))
    assert health.returncode == 0 and "suspect" in health.stdout, health.stderr


def test_crawl_help_says_what_the_exit_codes_mean():
    """What cron mails and OnFailure= reports is an exit code: `xxgk crawl --help` names them."""
    text = " ".join(xxgk("crawl", "--help").stdout.split())
    for code, meaning in (("0", "all well"), ("1", "failed completely"), ("3", "suspect"), ("75", "holds the archive")):
        assert f"{code} " in text and meaning in text, text


def test_crawl_health_is_a_canned_question():
    from xxgk.serve import datasette_metadata

    queries = datasette_metadata("archive")["databases"]["archive"]["queries"]
    assert "would_remove" in queries["crawl_health"]["sql"] and "health" in queries["crawl_health"]["sql"]


def test_notices_only_is_suspect_and_a_real_shrink_is_accepted_by_raising_the_threshold(tmp_path):
    """A list page showing only notices (the issue's layout change) is suspect. A portal that
    really took 2 of its 10 reports down is suspect too (20% > 10%), run after run, until the
    operator accepts it for one run with `--set XXGK_HEALTH_REMOVED_MAX=…`: that run marks them
    removed and is the next runs' baseline. The crawl_health page, served by datasette, shows
    the runs with the change in reports listed."""
    import json
    import urllib.request

    from servers import running_server

    db, port = tmp_path / "archive.db", free_port()

    def crawl(n, *extra):
        portal = build_demo_portal(n_reports=n)
        with serve_portal(portal, port=port) as base:
            return xxgk("crawl", "--url", base + portal.start_paths[0], "--db", str(db), "-q", *extra)

    assert crawl(10).returncode == 0
    notices = crawl(0)
    assert notices.returncode == 3 and "suspect: listed 0 reports" in notices.stderr, notices.stderr
    shrunk = crawl(8)
    assert shrunk.returncode == 3 and "suspect: would remove 2 of the column's 10" in shrunk.stderr, shrunk.stderr
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0
    bad = crawl(8, "--set", "XXGK_HEALTH_REMOVED_MAX=lots")
    assert bad.returncode == 2 and "XXGK_HEALTH_REMOVED_MAX" in bad.stderr and "Traceback" not in bad.stderr, \
        bad.stderr
    accepted = crawl(8, "--set", "XXGK_HEALTH_REMOVED_MAX=0.25")
    assert accepted.returncode == 0, accepted.stderr
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 2
    after = crawl(8)
    assert after.returncode == 0, after.stderr
    runs = [tuple(r) for r in rows(db, "select reports_listed, would_remove, substr(health, 1, 7) from crawl_runs "
                                       "order by id")]
    assert runs == [(10, 0, "ok"), (0, 10, "suspect"), (8, 2, "suspect"), (8, 2, "ok"), (8, 0, "ok")], runs
    with running_server(db) as url:
        with urllib.request.urlopen(url + "/archive/crawl_health.json?_shape=objects", timeout=30) as answer:
            shown = json.loads(answer.read())["rows"]
    assert [(r["reports_listed"], r["listed_change"], r["health"][:7]) for r in shown] == [
        (8, 0, "ok"), (8, 0, "ok"), (8, 8, "suspect"), (0, -10, "suspect"), (10, None, "ok")], shown


def test_a_scrapyd_job_names_a_suspect_run_in_its_log(tmp_path):
    """A Scrapyd job has no exit code anyone sees: its log is where the suspect run must show.
    Run as Scrapyd runs a job (`scrapy crawl portal -a portal=ID -a _job=JOB` in the project),
    without a daemon: a portal of 8 reports, then the same one listing only notices."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from conftest import REPO

    db, registry, port = tmp_path / "archive.db", tmp_path / "portals.yaml", free_port()

    def job(n, name):
        portal = build_demo_portal(n_reports=n)
        with serve_portal(portal, port=port) as base:
            start = base + portal.start_paths[0]
            registry.write_text("portals:\n  - id: loop\n    name: loop\n    family: generic\n"
                                f'    start_urls: ["{start}"]\n    level: city\n    region_code: "330800"\n'
                                "    status: confirmed\n    verified: 2026-12-04\n    evidence: a loopback portal\n",
                                "utf-8")
            env = dict(os.environ, XXGK_REGISTRY=str(registry))
            return subprocess.run([str(Path(sys.executable).parent / "scrapy"), "crawl", "portal", "-a", "portal=loop",
                                   "-a", f"_job={name}", "-s", f"XXGK_DB={db}"], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=300)

    first = job(8, "one")
    assert first.returncode == 0 and "suspect" not in first.stderr, first.stderr
    second = job(0, "two")
    lines = [l for l in second.stderr.splitlines() if "suspect" in l]
    assert len(lines) == 1 and "ERROR" in lines[0] and "loop" in lines[0] and "nothing marked removed" in lines[0], \
        second.stderr
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0


def two_column_crawler(tmp_path):
    """crawl(n_a, n_b, *args): serve a registered portal 'twocol' whose two columns (start URLs,
    on two loopback ports) list n_a and n_b reports (None: B does not answer), run `xxgk ARGS --db …` (default: crawl
    it) and give (the finished process, [column A's URL, column B's URL])."""
    import contextlib
    import os
    import subprocess
    import sys

    from conftest import REPO

    db, registry = tmp_path / "archive.db", tmp_path / "portals.yaml"
    port_a, port_b = free_port(), free_port()

    def crawl(n_a, n_b, *args):
        a, b = build_demo_portal(seed=2018, n_reports=n_a), build_demo_portal(seed=2019, n_reports=n_b or 0)
        with serve_portal(a, port=port_a) as base_a, contextlib.ExitStack() as stack:
            # n_b None: column B's site does not answer (connection refused)
            base_b = stack.enter_context(serve_portal(b, port=port_b)) if n_b is not None else f"http://127.0.0.1:{port_b}"
            starts = [base_a + a.start_paths[0], base_b + b.start_paths[0]]
            registry.write_text("portals:\n  - id: twocol\n    name: two columns\n    family: generic\n"
                                f'    start_urls: ["{starts[0]}", "{starts[1]}"]\n    level: city\n'
                                '    region_code: "330800"\n    status: confirmed\n    verified: 2026-12-04\n'
                                "    evidence: a loopback portal with a column per year\n", "utf-8")
            env = dict(os.environ, PYTHONUNBUFFERED="1", XXGK_REGISTRY=str(registry))
            done = subprocess.run([sys.executable, "-m", "xxgk", *(args or ("crawl", "twocol", "-q")), "--db", str(db)],
                                  cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
            return done, starts

    return db, crawl


def test_a_column_of_a_two_column_portal_is_judged_on_its_own(tmp_path):
    """A registered portal with two columns (start URLs; served here on two loopback ports):
    column A lists 40 reports, column B 4. B then lists only notices. Judged per portal that run
    listed 40 of 44 (91%) and would remove 4 of 44 (9%): 'ok', and B's 4 live reports were
    marked removed. Judged per column, B is suspect (0 of the 4 its previous walk listed): exit
    3, one line naming the portal and the column, nothing removed, per-column figures recorded
    and shown. A later healthy run removes only what its own column no longer lists."""
    db, crawl = two_column_crawler(tmp_path)
    first, (column_a, column_b) = crawl(40, 4)
    assert first.returncode == 0, first.stderr
    second, _ = crawl(40, 0)
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0, \
        "column B's live reports were marked removed"
    assert second.returncode == 3, second.stderr
    lines = [line for line in second.stderr.splitlines() if "suspect" in line]
    assert len(lines) == 1 and "twocol" in lines[0] and column_b in lines[0] and column_a not in lines[0], \
        second.stderr
    # reports belong to the column that lists them
    assert {tuple(r) for r in rows(db, "select column_url, count(*) from reports group by column_url")} == {
        (column_a, 40), (column_b, 4)}
    columns = [tuple(r) for r in rows(db, "select c.run_id, c.column_url, c.reports_listed, c.reports_new, "
                                          "c.reports_changed, c.reports_unchanged, c.would_remove, "
                                          "substr(c.health, 1, 7) from crawl_columns c order by c.run_id, c.column_url")]
    assert columns == sorted([(1, column_a, 40, 40, 0, 0, 0, "ok"), (1, column_b, 4, 4, 0, 0, 0, "ok"),
                              (2, column_a, 40, 0, 0, 40, 0, "ok"), (2, column_b, 0, 0, 0, 0, 4, "suspect")]), columns
    run = rows(db, "select reports_listed, would_remove, health from crawl_runs where id = 2")[0]
    assert (run["reports_listed"], run["would_remove"]) == (40, 4) and run["health"].startswith("suspect")

    # a healthy run: A no longer lists one of its 40 (2.5%), B lists its 4 again
    third, _ = crawl(39, 4)
    assert third.returncode == 0, third.stderr
    removed = rows(db, "select column_url from reports where removed_at is not null")
    assert [r[0] for r in removed] == [column_a], removed

    health, _ = crawl(39, 4, "portals", "--health")
    assert health.returncode == 0, health.stderr
    header, *lines = [line.split("\t") for line in health.stdout.splitlines()]
    shown = [dict(zip(header, line)) for line in lines]
    # each run (newest first), then its columns
    assert [(r["run_id"], r["column_url"], r["reports_listed"], r["health"][:7]) for r in shown] == [
        *[("3", "", "43", "ok"), *sorted([("3", column_a, "39", "ok"), ("3", column_b, "4", "ok")])],
        *[("2", "", "40", "suspect"), *sorted([("2", column_a, "40", "ok"), ("2", column_b, "0", "suspect")])],
        *[("1", "", "44", "ok"), *sorted([("1", column_a, "40", "ok"), ("1", column_b, "4", "ok")])]], health.stdout


def test_reports_an_earlier_release_filed_under_all_columns_are_still_judged(tmp_path):
    """An earlier release stored a portal's start URLs joined as every report's column. After
    the upgrade a run puts each report it lists under its own column; the rest, listed by no
    column, are judged as that release judged the whole portal (over 10% of its reports:
    suspect), once every column was walked completely and found healthy."""
    import sqlite3

    db, crawl = two_column_crawler(tmp_path)
    first, (column_a, column_b) = crawl(40, 4)
    assert first.returncode == 0, first.stderr
    joined = " ".join(sorted([column_a, column_b]))
    with sqlite3.connect(db) as conn:  # as the earlier release left it
        conn.execute("update reports set column_url = ?", [joined])
        conn.execute("delete from crawl_columns")
    second, _ = crawl(40, 3)          # column B no longer lists one of its reports
    assert second.returncode == 0, second.stderr
    assert {tuple(r) for r in rows(db, "select column_url, removed_at is not null, count(*) from reports "
                                       "group by 1, 2")} == {(column_a, 0, 40), (column_b, 0, 3), (joined, 1, 1)}

    with sqlite3.connect(db) as conn:
        conn.execute("update reports set column_url = ?, removed_at = null", [joined])
    third, _ = crawl(35, 3)           # 6 of 44 (14%) listed by no column: suspect, nothing removed
    assert third.returncode == 3, third.stderr
    lines = [line for line in third.stderr.splitlines() if "suspect" in line]
    assert len(lines) == 1 and "would remove 6 of the portal's 44" in lines[0] and joined in lines[0], third.stderr
    assert rows(db, "select count(*) from reports where removed_at is not null")[0][0] == 0


def test_a_column_walked_completely_marks_its_removals_when_another_failed(tmp_path):
    """Removals are judged per column: column B's site does not answer (its walk is incomplete,
    so none of its reports is taken for removed), while column A, walked completely, marks the
    one report it no longer lists."""
    db, crawl = two_column_crawler(tmp_path)
    first, (column_a, column_b) = crawl(40, 4)
    assert first.returncode == 0, first.stderr
    second, _ = crawl(39, None)
    assert "Traceback" not in second.stderr and "suspect" not in second.stderr, second.stderr
    removed = rows(db, "select column_url from reports where removed_at is not null")
    assert [r[0] for r in removed] == [column_a], removed
    columns = {r[0]: (r[1], r[2], r[3]) for r in rows(
        db, "select column_url, reports_listed, would_remove, health from crawl_columns where run_id = 2")}
    assert columns[column_a] == (39, 1, "ok") and columns[column_b][0] == 0
    assert columns[column_b][2].startswith("incomplete"), columns
    assert rows(db, "select health from crawl_runs where id = 2")[0][0].startswith("incomplete: 1 of 2 columns")
